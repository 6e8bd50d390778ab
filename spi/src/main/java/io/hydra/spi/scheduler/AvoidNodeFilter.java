package io.hydra.spi.scheduler;

/** The node the container leaves (the lost one, or a migration's source) never takes it back. */
public final class AvoidNodeFilter implements NodeFilter {
    @Override
    public String name() {
        return "avoid-node";
    }

    @Override
    public FilterResult test(PlacementRequest request, NodeView node) {
        return request.avoidNode().filter(node.nodeId()::equals).isPresent()
                ? FilterResult.fail("the node to avoid")
                : FilterResult.pass();
    }
}
