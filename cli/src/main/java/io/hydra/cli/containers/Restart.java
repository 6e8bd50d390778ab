package io.hydra.cli.containers;

import io.hydra.api.v1.StopRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.MultiNameCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "restart", description = "Stop containers and start them again under a new monitor.")
public final class Restart extends MultiNameCommand {
    @Option(names = {"-t", "--time"}, description = "seconds before SIGKILL (default 10)")
    int seconds = -1;

    @Override
    protected void apply(DaemonConnection c, String name) {
        c.containers().restart(StopRequest.newBuilder().setName(name).setTimeoutSeconds(seconds).build());
    }
}
