package io.hydra.runtime.cluster.failover;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hydra.spi.scheduler.NodeView;

/**
 * The live nodes as one pass of the controller has filled them so far. The nodes' own records only change when they
 * next advertise; without this, fifty containers of a lost node would all be placed against the same free memory
 * and a bin-packer would put them all on one node.
 */
final class PlannedCapacity {
    private final Map<String, NodeView> views;

    PlannedCapacity(Map<String, NodeView> views) {
        this.views = new LinkedHashMap<>(views);
    }

    List<NodeView> views() {
        return new ArrayList<>(views.values());
    }

    /** Takes what a container placed on {@code nodeId} claims away from that node. */
    void claim(String nodeId, long memoryBytes, long cpuMillis) {
        NodeView v = views.get(nodeId);
        if (v == null) {
            return;
        }
        views.put(nodeId, new NodeView(v.nodeId(), v.totalMemoryBytes(), Math.max(0, v.freeMemoryBytes() - memoryBytes),
                v.totalCpuMillis(), Math.max(0, v.freeCpuMillis() - cpuMillis), v.containers() + 1, v.labels(),
                v.arch(), v.criuVersion(), v.cachedImages()));
    }
}
