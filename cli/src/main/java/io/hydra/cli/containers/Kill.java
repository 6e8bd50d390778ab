package io.hydra.cli.containers;

import io.hydra.api.v1.KillRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kill", description = "Send a signal to the container's init process.")
public final class Kill extends NamedCommand {
    @Option(names = {"-s", "--signal"}, description = "signal name or number (default KILL)")
    String signal = "KILL";

    @Override
    protected int call(DaemonConnection c) {
        out().println(c.containers().kill(KillRequest.newBuilder().setName(name).setSignal(signal).build())
                .getName());
        return 0;
    }
}
