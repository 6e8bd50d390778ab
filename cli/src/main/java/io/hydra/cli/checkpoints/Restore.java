package io.hydra.cli.checkpoints;

import io.hydra.api.v1.RestoreRequest;
import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "restore", description = "Restore a container from a checkpoint version (default: the newest).")
public final class Restore extends TransferCommand {
    @Option(names = "--version", description = "the version to restore")
    long version;

    @Option(names = "--as", description = "restore as a new container with this name")
    String as = "";

    @Override
    protected int call(DaemonConnection c) {
        if (version < 0) {
            throw usageError("--version must be positive");
        }
        return follow(c.checkpoints().restore(RestoreRequest.newBuilder().setName(name).setVersion(version)
                .setAs(as).build()), "restored");
    }
}
