package io.hydra.spi.scheduler;

import java.util.List;

/** Chooses a node for a container, or says why none fits. */
public interface Scheduler {
    String name();

    Placement place(PlacementRequest request, List<NodeView> liveNodes);
}
