package io.hydra.cli.containers;

import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;

@Command(name = "start", description = "Start a created container.")
public final class Start extends NamedCommand {
    @Override
    protected int call(DaemonConnection c) {
        out().println(c.containers().start(ref()).getName());
        return 0;
    }
}
