package io.hydra.cli.containers;

import io.hydra.api.v1.LogsRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "logs", description = "The container's output.")
public final class Logs extends NamedCommand {
    @Option(names = {"-f", "--follow"}, description = "keep following until the container exits")
    boolean follow;

    @Override
    protected int call(DaemonConnection c) {
        c.containers().logs(LogsRequest.newBuilder().setName(name).setFollow(follow).build())
                .forEachRemaining(this::write);
        return 0;
    }
}
