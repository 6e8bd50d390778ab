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

    @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "only the last N lines ('all' or 0: everything)")
    String tail = "all";

    @Option(names = "--since", paramLabel = "T",
            description = "only output from T on: an RFC 3339 time (2024-05-01T10:00:00Z) or a duration before now"
                    + " (30s, 10m, 1h30m)")
    String since = "";

    @Override
    protected int call(DaemonConnection c) {
        int lines;
        if (tail.equals("all")) {
            lines = 0;
        } else if (tail.matches("[0-9]{1,9}")) {
            lines = Integer.parseInt(tail);
        } else {
            throw usageError("--tail must be a number of lines or 'all', got '" + tail + "'");
        }
        if (!since.isEmpty() && !Since.valid(since)) {
            throw usageError("--since must be an RFC 3339 time (2024-05-01T10:00:00Z) or a duration before now"
                    + " (30s, 10m, 1h30m), got '" + since + "'");
        }
        c.containers().logs(LogsRequest.newBuilder().setName(name).setFollow(follow).setTail(lines).setSince(since)
                .build()).forEachRemaining(this::write);
        return 0;
    }
}
