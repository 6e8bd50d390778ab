package io.hydra.cli.containers;

import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;

@Command(name = "resume", description = "Thaw a paused container.")
public final class Resume extends NamedCommand {
    @Override
    protected int call(DaemonConnection c) {
        out().println(c.containers().resume(ref()).getName());
        return 0;
    }
}
