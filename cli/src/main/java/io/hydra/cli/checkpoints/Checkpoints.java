package io.hydra.cli.checkpoints;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hydra.api.v1.CheckpointVersion;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "checkpoints", description = "A container's checkpoint versions.")
public final class Checkpoints extends NamedCommand {
    private static final String HEADER = "%-8s  %-30s  %-10s  %-10s  %-8s  %s%n";

    @Option(names = "--format", description = "table or json")
    String format = "table";

    @Override
    protected int call(DaemonConnection c) {
        List<CheckpointVersion> versions = c.checkpoints().list(ref()).getVersionsList();
        if (format.equals("json")) {
            out().println(Json.write(versions.stream().map(Checkpoints::json).toList()));
            return 0;
        }
        out().printf(HEADER, "VERSION", "CREATED", "BYTES", "NEW", "FROZEN", "COMPLETE");
        for (CheckpointVersion v : versions) {
            out().printf("%-8d  %-30s  %-10s  %-10s  %-8s  %s%n", v.getVersion(), v.getCreatedAt(),
                    ByteSize.format(v.getBytes()), ByteSize.format(v.getStoredBytes()), v.getFrozenMs() + " ms",
                    v.getComplete());
        }
        return 0;
    }

    private static Map<String, Object> json(CheckpointVersion v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", v.getVersion());
        m.put("createdAt", v.getCreatedAt());
        m.put("bytes", v.getBytes());
        m.put("storedBytes", v.getStoredBytes());
        m.put("frozenMs", v.getFrozenMs());
        m.put("complete", v.getComplete());
        m.put("node", v.getNode());
        m.put("containerId", v.getContainerId());
        return m;
    }
}
