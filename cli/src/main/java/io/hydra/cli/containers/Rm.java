package io.hydra.cli.containers;

import io.hydra.api.v1.RemoveRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.MultiNameCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "rm", description = "Remove containers.")
public final class Rm extends MultiNameCommand {
    @Option(names = {"-f", "--force"}, description = "kill them first if they run")
    boolean force;

    @Override
    protected void apply(DaemonConnection c, String name) {
        c.containers().remove(RemoveRequest.newBuilder().setName(name).setForce(force).build());
    }
}
