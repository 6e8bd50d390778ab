package io.hydra.scheduler.leastloaded;

import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.PlacementRequest;
import io.hydra.spi.scheduler.ScoringScheduler;

/**
 * Sends each container to the node with the most headroom: the mean of the shares of memory and of CPU left free
 * once this container is there. Unlike {@code spread} it ignores how many containers a node runs, only what they
 * claim.
 */
public final class LeastLoadedScheduler extends ScoringScheduler {
    public static final String NAME = "least-loaded";

    public LeastLoadedScheduler() {
        super(NAME);
    }

    @Override
    protected int score(PlacementRequest request, NodeView node) {
        double memoryFree = share(node.freeMemoryBytes() - request.memoryBytes(), node.totalMemoryBytes());
        double cpuFree = share(node.freeCpuMillis() - request.cpuMillis(), node.totalCpuMillis());
        return (int) Math.round(100 * (memoryFree + cpuFree) / 2);
    }
}
