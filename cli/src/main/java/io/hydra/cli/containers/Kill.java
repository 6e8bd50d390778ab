package io.hydra.cli.containers;

import io.hydra.api.v1.KillRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.MultiNameCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kill", description = "Send a signal to the init process of the containers.")
public final class Kill extends MultiNameCommand {
    @Option(names = {"-s", "--signal"}, description = "signal name or number (default KILL)")
    String signal = "KILL";

    @Override
    protected void apply(DaemonConnection c, String name) {
        c.containers().kill(KillRequest.newBuilder().setName(name).setSignal(signal).build());
    }
}
