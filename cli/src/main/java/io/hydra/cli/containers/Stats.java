package io.hydra.cli.containers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hydra.api.v1.Container;
import io.hydra.api.v1.ListRequest;
import io.hydra.api.v1.Ref;
import io.hydra.api.v1.StatsResponse;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.checkpoints.ByteSize;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "stats", description = "Memory, CPU and process figures of containers' cgroups (no names: every"
        + " running container).")
public final class Stats extends DaemonCommand {
    private static final String ROW = "%-12s  %-20s  %14s  %14s  %14s  %16s  %5s%n";

    @Parameters(arity = "0..*", paramLabel = "NAME", description = "container names or ids")
    List<String> names = new ArrayList<>();

    @Option(names = "--format", description = "table or json")
    String format = "table";

    @Override
    protected int call(DaemonConnection c) {
        if (!format.equals("table") && !format.equals("json")) {
            throw usageError("--format must be table or json");
        }
        List<Container> targets = new ArrayList<>();
        if (names.isEmpty()) {
            c.containers().list(ListRequest.newBuilder().build()).getContainersList().stream()
                    .filter(x -> x.getStatus().equals("running") || x.getStatus().equals("paused"))
                    .forEach(targets::add);
        } else {
            for (String n : names) {
                targets.add(c.containers().inspect(Ref.newBuilder().setName(n).build()));
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Container x : targets) {
            StatsResponse s = c.containers().stats(Ref.newBuilder().setName(x.getId()).build());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", x.getId());
            m.put("name", x.getName());
            m.put("memoryUsageBytes", s.getMemoryUsageBytes());
            m.put("memoryLimitBytes", s.getMemoryLimitBytes());
            m.put("memoryMaxUsageBytes", s.getMemoryMaxUsageBytes());
            m.put("cpuUsageNanos", s.getCpuUsageNanos());
            m.put("pids", s.getPids());
            rows.add(m);
        }
        if (format.equals("json")) {
            // one container named: its object, as before; otherwise a list
            out().println(Json.write(names.size() == 1 ? rows.get(0) : rows));
            return 0;
        }
        out().printf(ROW, "ID", "NAME", "MEM USAGE", "MEM LIMIT", "MEM MAX", "CPU", "PIDS");
        for (Map<String, Object> m : rows) {
            out().printf(ROW, Ps.shortId((String) m.get("id")), m.get("name"), bytes(m.get("memoryUsageBytes")),
                    limit(m.get("memoryLimitBytes")), bytes(m.get("memoryMaxUsageBytes")),
                    String.format("%.3f s", (Long) m.get("cpuUsageNanos") / 1e9), m.get("pids"));
        }
        return 0;
    }

    private static String bytes(Object value) {
        return ByteSize.format((Long) value);
    }

    /** cgroup v1 reports "no limit" as the largest page-aligned value (about 2^63): show it as such. */
    private static String limit(Object value) {
        long bytes = (Long) value;
        return bytes <= 0 || bytes >= 1L << 62 ? "unlimited" : ByteSize.format(bytes);
    }
}
