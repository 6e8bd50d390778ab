package io.hydra.cli.cluster;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.hydra.api.v1.Node;
import io.hydra.api.v1.NodeList;
import io.hydra.cli.Json;
import io.hydra.cli.checkpoints.ByteSize;

/** {@code hydra nodes} output: the JSON scripts rely on (field names are DESIGN.md's contract) and the table. */
public final class NodesFormat {
    private static final String ROW = "%-20s  %-21s  %-6s  %10s  %10s  %-6s  %-24s  %s%n";

    private NodesFormat() {
    }

    /** What a table says of a daemon without --cluster: it has no cluster to list. */
    public static final String SINGLE_NODE = "this daemon is a single node (no --cluster)";

    /**
     * The whole output: JSON is always the list (a single node answers with itself, so scripts read one shape);
     * a table of a single node is the one line saying so.
     */
    public static String render(NodeList list, boolean json) {
        if (json) {
            return json(list.getNodesList()) + System.lineSeparator();
        }
        if (!list.getClustered()) {
            return SINGLE_NODE + System.lineSeparator();
        }
        return table(list.getNodesList());
    }

    public static Map<String, Object> json(Node node) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", node.getId());
        m.put("address", node.getAddress());
        m.put("status", node.getStatus());
        m.put("containers", node.getContainers());
        m.put("freeMemoryBytes", node.getFreeMemoryBytes());
        m.put("labels", new TreeMap<>(node.getLabelsMap()));
        m.put("lastSeen", node.getLastSeen().isEmpty() ? null : node.getLastSeen());
        m.put("leader", node.getLeader());
        return m;
    }

    public static String json(List<Node> nodes) {
        return Json.write(nodes.stream().sorted(Comparator.comparing(Node::getId)).map(NodesFormat::json).toList());
    }

    /** One row per node, by id; the controller's node is marked in LEADER. */
    public static String table(List<Node> nodes) {
        StringBuilder table = new StringBuilder();
        table.append(String.format(ROW, "ID", "ADDRESS", "STATUS", "CONTAINERS", "FREE MEM", "LEADER", "LAST SEEN",
                "LABELS"));
        nodes.stream().sorted(Comparator.comparing(Node::getId)).forEach(node -> table.append(String.format(
                ROW, node.getId(), dashIfEmpty(node.getAddress()), node.getStatus(), node.getContainers(),
                ByteSize.format(node.getFreeMemoryBytes()), node.getLeader() ? "yes" : "", dashIfEmpty(node.getLastSeen()),
                labels(node.getLabelsMap()))));
        return table.toString();
    }

    private static String labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "-";
        }
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    private static String dashIfEmpty(String value) {
        return value.isEmpty() ? "-" : value;
    }
}
