package io.hydra.cli.system;

import io.hydra.api.v1.Empty;
import io.hydra.api.v1.VersionResponse;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Client and daemon versions.")
public final class Version extends DaemonCommand {
    @Override
    protected int call(DaemonConnection c) {
        out().println("client: 0.1.0");
        VersionResponse v = c.system().version(Empty.getDefaultInstance());
        out().println("daemon: " + v.getVersion() + " (api " + v.getApi() + ")");
        return 0;
    }
}
