package io.hydra.cli.containers;

import io.hydra.api.v1.Ref;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.MultiNameCommand;
import picocli.CommandLine.Command;

@Command(name = "resume", description = "Thaw paused containers.")
public final class Resume extends MultiNameCommand {
    @Override
    protected void apply(DaemonConnection c, String name) {
        c.containers().resume(Ref.newBuilder().setName(name).build());
    }
}
