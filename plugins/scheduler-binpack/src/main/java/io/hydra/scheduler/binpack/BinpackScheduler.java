package io.hydra.scheduler.binpack;

import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.PlacementRequest;
import io.hydra.spi.scheduler.ScoringScheduler;

/**
 * Packs containers onto as few nodes as possible, so that whole nodes stay empty (for large containers, or to be
 * switched off): the node whose memory is the most used once this container is there wins. The filters have
 * already removed the nodes it does not fit on.
 */
public final class BinpackScheduler extends ScoringScheduler {
    public static final String NAME = "binpack";

    public BinpackScheduler() {
        super(NAME);
    }

    @Override
    protected int score(PlacementRequest request, NodeView node) {
        long usedAfter = node.totalMemoryBytes() - node.freeMemoryBytes() + request.memoryBytes();
        return (int) Math.round(100 * share(usedAfter, node.totalMemoryBytes()));
    }
}
