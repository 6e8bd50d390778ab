package io.hydra.cli.containers;

import io.hydra.api.v1.StopRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.MultiNameCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "stop", description = "SIGTERM, then SIGKILL after the timeout.")
public final class Stop extends MultiNameCommand {
    @Option(names = {"-t", "--time"}, description = "seconds before SIGKILL (default 10)")
    int seconds = -1;

    @Override
    protected void apply(DaemonConnection c, String name) {
        c.containers().stop(StopRequest.newBuilder().setName(name).setTimeoutSeconds(seconds).build());
    }
}
