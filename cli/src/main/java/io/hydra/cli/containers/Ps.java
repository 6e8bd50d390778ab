package io.hydra.cli.containers;

import java.util.List;

import io.hydra.api.v1.Container;
import io.hydra.api.v1.ListRequest;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import io.hydra.cli.cluster.ContainerJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ps", description = "List containers.")
public final class Ps extends DaemonCommand {
    private static final String ROW = "%-12s  %-20s  %-10s  %-8s  %-7s  %-5s  %s%n";

    @Option(names = {"-a", "--all"}, description = "include created and exited containers")
    boolean all;

    @Option(names = {"-q", "--quiet"}, description = "only the ids (12 characters, as docker prints them)")
    boolean quiet;

    @Option(names = "--format", description = "table or json")
    String format = "table";

    @Override
    protected int call(DaemonConnection c) {
        List<Container> list = c.containers().list(ListRequest.newBuilder().setAll(all).build()).getContainersList();
        if (quiet) {
            list.forEach(x -> out().println(shortId(x.getId())));
            return 0;
        }
        if (format.equals("json")) {
            out().println(Json.write(list.stream().map(x -> ContainerJson.of(x, false)).toList()));
            return 0;
        }
        if (!format.equals("table")) {
            throw usageError("--format must be table or json");
        }
        out().printf(ROW, "ID", "NAME", "STATUS", "PID", "MONITOR", "EXIT", "CREATED");
        for (Container x : list) {
            out().printf(ROW, shortId(x.getId()), x.getName(), x.getStatus(), x.getPid() > 0 ? x.getPid() : "-",
                    x.getMonitor(), x.getHasExitCode() ? x.getExitCode() : "-", x.getCreatedAt());
        }
        return 0;
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
