package io.hydra.cli.checkpoints;

import io.hydra.api.v1.RemoveCheckpointRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "rm-checkpoint", description = "Remove one checkpoint version.")
public final class RmCheckpoint extends NamedCommand {
    @Option(names = "--version", required = true, description = "the version to remove")
    long version;

    @Override
    protected int call(DaemonConnection c) {
        c.checkpoints().remove(RemoveCheckpointRequest.newBuilder().setName(name).setVersion(version).build());
        out().println(name + " version " + version + " removed");
        return 0;
    }
}
