package io.hydra.cli.containers;

import java.util.LinkedHashMap;
import java.util.Map;

import io.hydra.api.v1.StatsResponse;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "stats", description = "Memory, CPU and process figures of the container's cgroup.")
public final class Stats extends NamedCommand {
    @Option(names = "--format", description = "table or json")
    String format = "table";

    @Override
    protected int call(DaemonConnection c) {
        StatsResponse s = c.containers().stats(ref());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("memoryUsageBytes", s.getMemoryUsageBytes());
        m.put("memoryLimitBytes", s.getMemoryLimitBytes());
        m.put("memoryMaxUsageBytes", s.getMemoryMaxUsageBytes());
        m.put("cpuUsageNanos", s.getCpuUsageNanos());
        m.put("pids", s.getPids());
        if (format.equals("json")) {
            out().println(Json.write(m));
        } else {
            m.forEach((k, v) -> out().printf("%-20s %s%n", k, v));
        }
        return 0;
    }
}
