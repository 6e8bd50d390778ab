package io.hydra.spi.scheduler;

import java.util.List;

/**
 * Chooses a node for a container, or says why none fits. Shaped after the Kubernetes scheduler framework: filters
 * remove nodes that cannot take the container, a score of 0 to 100 ranks the rest, and ties go the same way every
 * time. Plugins differ in how they score; the filters are the same for all.
 */
public interface Scheduler {
    String name();

    Placement place(PlacementRequest request, List<NodeView> liveNodes);
}
