package io.hydra.cli.containers;

import io.hydra.api.v1.Ref;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.MultiNameCommand;
import picocli.CommandLine.Command;

@Command(name = "start", description = "Start created containers.")
public final class Start extends MultiNameCommand {
    @Override
    protected void apply(DaemonConnection c, String name) {
        c.containers().start(Ref.newBuilder().setName(name).build());
    }
}
