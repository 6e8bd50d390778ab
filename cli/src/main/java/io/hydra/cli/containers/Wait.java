package io.hydra.cli.containers;

import io.hydra.api.v1.WaitResponse;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;

@Command(name = "wait", description = "Wait for the container to exit; exit with its code.")
public final class Wait extends NamedCommand {
    @Override
    protected int call(DaemonConnection c) {
        WaitResponse r = c.containers().wait(ref());
        if (ExitStatus.isCheckpointed(r)) {
            return ExitStatus.of(name, r, err());
        }
        out().println(r.getExitCode());
        return r.getExitCode();
    }
}
