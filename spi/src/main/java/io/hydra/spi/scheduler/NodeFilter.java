package io.hydra.spi.scheduler;

/**
 * A filter of the scheduling framework (the Kubernetes "Filter" extension point): a node that fails any filter is
 * not a candidate, whatever its score. Filters are pure functions of the request and the node.
 */
public interface NodeFilter {
    /** A short name for logs and tests ({@code resources}, {@code labels}). */
    String name();

    FilterResult test(PlacementRequest request, NodeView node);
}
