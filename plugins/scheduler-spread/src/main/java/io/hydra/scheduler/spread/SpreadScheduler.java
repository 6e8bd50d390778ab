package io.hydra.scheduler.spread;

import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.PlacementRequest;
import io.hydra.spi.scheduler.ScoringScheduler;

/**
 * Spreads containers so that a node's loss takes as few of them as possible with it: the fewer containers a node
 * runs, the better, and among nodes running as many, the larger the share of its memory left free once this
 * container is there. The container count weighs four times as much as the free share, because it is what a
 * failover has to move: one container more outweighs any memory difference between lightly loaded nodes, and only
 * among busy nodes, whose counts differ little, does free memory decide.
 */
public final class SpreadScheduler extends ScoringScheduler {
    public static final String NAME = "spread";

    public SpreadScheduler() {
        super(NAME);
    }

    @Override
    protected int score(PlacementRequest request, NodeView node) {
        double fewContainers = 1.0 / (1 + Math.max(0, node.containers()));
        double freeAfter = share(node.freeMemoryBytes() - request.memoryBytes(), node.totalMemoryBytes());
        return (int) Math.round(80 * fewContainers + 20 * freeAfter);
    }
}
