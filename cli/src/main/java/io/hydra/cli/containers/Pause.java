package io.hydra.cli.containers;

import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;

@Command(name = "pause", description = "Freeze every process of the container.")
public final class Pause extends NamedCommand {
    @Override
    protected int call(DaemonConnection c) {
        out().println(c.containers().pause(ref()).getName());
        return 0;
    }
}
