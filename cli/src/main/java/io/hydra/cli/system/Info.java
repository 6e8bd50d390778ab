package io.hydra.cli.system;

import java.util.LinkedHashMap;
import java.util.Map;

import io.hydra.api.v1.Empty;
import io.hydra.api.v1.InfoResponse;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import picocli.CommandLine.Command;

@Command(name = "info", description = "The daemon: node, paths, plugins, container counts, cluster.")
public final class Info extends DaemonCommand {
    @Override
    protected int call(DaemonConnection c) {
        InfoResponse i = c.system().info(Empty.getDefaultInstance());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", i.getNode());
        m.put("version", i.getVersion());
        m.put("root", i.getRoot());
        m.put("socket", i.getSocket());
        m.put("defaultMonitor", i.getDefaultMonitor());
        m.put("monitors", i.getMonitorsList());
        m.put("runtime", i.getRuntime());
        m.put("runtimeVersion", i.getRuntimeVersion());
        m.put("orphanPolicy", i.getOrphanPolicy());
        m.put("containers", i.getContainersByStatusMap());
        m.put("outboxBacklog", i.getOutboxBacklog());
        m.put("startedAt", i.getStartedAt());
        m.put("checkpoint", i.getCheckpointMap());
        m.put("events", i.getEventsMap());
        m.put("cluster", new java.util.TreeMap<>(i.getClusterMap()));
        out().println(Json.write(m));
        return 0;
    }
}
