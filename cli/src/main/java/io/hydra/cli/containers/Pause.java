package io.hydra.cli.containers;

import io.hydra.api.v1.Ref;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.MultiNameCommand;
import picocli.CommandLine.Command;

@Command(name = "pause", description = "Freeze every process of the containers.")
public final class Pause extends MultiNameCommand {
    @Override
    protected void apply(DaemonConnection c, String name) {
        c.containers().pause(Ref.newBuilder().setName(name).build());
    }
}
