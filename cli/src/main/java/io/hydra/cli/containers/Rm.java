package io.hydra.cli.containers;

import io.hydra.api.v1.RemoveRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "rm", description = "Remove a container.")
public final class Rm extends NamedCommand {
    @Option(names = {"-f", "--force"}, description = "kill it first if it runs")
    boolean force;

    @Override
    protected int call(DaemonConnection c) {
        c.containers().remove(RemoveRequest.newBuilder().setName(name).setForce(force).build());
        out().println(name);
        return 0;
    }
}
