package io.hydra.spi.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The scheduling framework every plugin shares: the {@linkplain StandardFilters standard filters} remove the nodes
 * that cannot take the container, the plugin {@linkplain #score scores} the rest from 0 to 100, the framework adds
 * a locality score (the node already holds the container's image, so its chunks need not be downloaded), and the
 * highest total wins; equal totals go to the lowest node id, so the same cluster always gives the same answer.
 * Subclasses decide only the strategy, so no plugin can skip a filter.
 */
public abstract class ScoringScheduler implements Scheduler {
    /** How much the plugin's score counts against locality: the strategy leads, locality tips close calls. */
    public static final int PLUGIN_WEIGHT = 4;
    public static final int LOCALITY_WEIGHT = 1;

    private static final Comparator<Candidate> BEST_FIRST = Comparator.comparingInt(Candidate::total).reversed()
            .thenComparing(candidate -> candidate.node().nodeId());

    private final String name;
    private final List<NodeFilter> filters;

    protected ScoringScheduler(String name) {
        this(name, StandardFilters.all());
    }

    protected ScoringScheduler(String name, List<NodeFilter> filters) {
        this.name = Objects.requireNonNull(name, "name");
        this.filters = List.copyOf(filters);
    }

    @Override
    public final String name() {
        return name;
    }

    /**
     * How well the node suits the container under this strategy, from 0 (worst) to 100 (best). Called only for
     * nodes that passed every filter, so the container fits there.
     */
    protected abstract int score(PlacementRequest request, NodeView node);

    @Override
    public final Placement place(PlacementRequest request, List<NodeView> liveNodes) {
        if (liveNodes.isEmpty()) {
            return Placement.none("no live node");
        }
        List<NodeView> byId = liveNodes.stream().sorted(Comparator.comparing(NodeView::nodeId)).toList();
        List<Candidate> candidates = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        for (NodeView node : byId) {
            FilterResult verdict = firstFailure(request, node);
            if (verdict.passes()) {
                candidates.add(new Candidate(node, total(request, node)));
            } else {
                refusals.add(node.nodeId() + ": " + verdict.reason());
            }
        }
        return candidates.stream().min(BEST_FIRST)
                .map(best -> Placement.on(best.node().nodeId()))
                .orElseGet(() -> Placement.none("no node fits: " + String.join("; ", refusals)));
    }

    private FilterResult firstFailure(PlacementRequest request, NodeView node) {
        for (NodeFilter filter : filters) {
            FilterResult verdict = filter.test(request, node);
            if (!verdict.passes()) {
                return verdict;
            }
        }
        return FilterResult.pass();
    }

    private int total(PlacementRequest request, NodeView node) {
        int score = score(request, node);
        if (score < 0 || score > 100) {
            throw new IllegalStateException("scheduler " + name + " scored node " + node.nodeId() + " " + score
                    + ", outside 0 to 100");
        }
        return PLUGIN_WEIGHT * score + LOCALITY_WEIGHT * locality(request, node);
    }

    /** 100 when the node holds the container's image unpacked, else 0. */
    static int locality(PlacementRequest request, NodeView node) {
        return request.imageDigest().filter(node.cachedImages()::contains).isPresent() ? 100 : 0;
    }

    /** The share of {@code part} in {@code whole}, from 0 to 1; 0 when the node offers none. */
    protected static double share(long part, long whole) {
        if (whole <= 0) {
            return 0;
        }
        return Math.min(1, Math.max(0, (double) part / whole));
    }

    private record Candidate(NodeView node, int total) {
    }
}
