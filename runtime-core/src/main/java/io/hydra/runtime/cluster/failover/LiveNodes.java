package io.hydra.runtime.cluster.failover;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import io.hydra.runtime.cluster.ClusterJson;
import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.spi.cluster.Member;
import io.hydra.spi.scheduler.NodeView;

/**
 * The members whose lease is live at one instant, and the records they advertise. A member whose record does not
 * parse is still live (its containers must not move) but is offered to no placement.
 */
public record LiveNodes(Set<String> ids, Map<String, NodeRecord> records) {
    private static final Logger LOG = Logger.getLogger(LiveNodes.class);

    public LiveNodes {
        ids = Set.copyOf(ids);
        records = Map.copyOf(records);
    }

    public static LiveNodes of(List<Member> members) {
        Set<String> ids = new LinkedHashSet<>();
        Map<String, NodeRecord> records = new LinkedHashMap<>();
        for (Member m : members) {
            ids.add(m.nodeId());
            try {
                records.put(m.nodeId(), ClusterJson.read("the lease record of node " + m.nodeId(), m.record(),
                        NodeRecord.class));
            } catch (IllegalStateException e) {
                LOG.warnf("node %s is live but its record is unreadable, so nothing is placed on it: %s", m.nodeId(),
                        e.getMessage());
            }
        }
        return new LiveNodes(ids, records);
    }

    public static LiveNodes of(Collection<NodeRecord> nodes) {
        Map<String, NodeRecord> records = new LinkedHashMap<>();
        nodes.forEach(n -> records.put(n.id(), n));
        return new LiveNodes(records.keySet(), records);
    }

    public boolean isLive(String nodeId) {
        return ids.contains(nodeId);
    }

    /** What the scheduler sees of each placeable live node. */
    public Map<String, NodeView> views() {
        Map<String, NodeView> views = new LinkedHashMap<>();
        records.values().forEach(r -> views.put(r.id(), view(r)));
        return views;
    }

    static NodeView view(NodeRecord r) {
        return new NodeView(r.id(), r.totalMemoryBytes(), r.freeMemoryBytes(), r.cpuMillis(), r.freeCpuMillis(),
                r.containers(), r.labels(), r.arch(), r.criuVersion(), r.cachedImages());
    }
}
