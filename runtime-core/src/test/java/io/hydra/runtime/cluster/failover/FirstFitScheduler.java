package io.hydra.runtime.cluster.failover;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.Placement;
import io.hydra.spi.scheduler.PlacementRequest;
import io.hydra.spi.scheduler.Scheduler;

/**
 * A scheduler with the SPI's filters and no scoring (the first fitting node by id), so a planner test knows which
 * node the planner's own rules leave for it. The real strategies are the scheduler plugins' and are tested there.
 */
final class FirstFitScheduler implements Scheduler {
    private final List<PlacementRequest> asked = new ArrayList<>();

    @Override
    public String name() {
        return "first-fit";
    }

    List<PlacementRequest> asked() {
        return asked;
    }

    @Override
    public Placement place(PlacementRequest request, List<NodeView> liveNodes) {
        asked.add(request);
        List<String> refused = new ArrayList<>();
        for (NodeView n : liveNodes.stream().sorted(Comparator.comparing(NodeView::nodeId)).toList()) {
            String why = refusal(request, n);
            if (why == null) {
                return Placement.on(n.nodeId());
            }
            refused.add(n.nodeId() + ": " + why);
        }
        return Placement.none(refused.isEmpty() ? "no live node" : String.join("; ", refused));
    }

    private static String refusal(PlacementRequest r, NodeView n) {
        if (r.avoidNode().filter(n.nodeId()::equals).isPresent()) {
            return "the node to avoid";
        }
        if (n.freeMemoryBytes() < r.memoryBytes()) {
            return "not enough free memory";
        }
        if (n.freeCpuMillis() < r.cpuMillis()) {
            return "not enough free CPU";
        }
        for (Map.Entry<String, String> c : r.constraints().entrySet()) {
            if (!c.getValue().equals(n.labels().get(c.getKey()))) {
                return "no label " + c.getKey() + "=" + c.getValue();
            }
        }
        if (r.rootfs().isPresent() && !r.nodesWithRootfs().contains(n.nodeId())) {
            return "no directory " + r.rootfs().get();
        }
        return null;
    }
}
