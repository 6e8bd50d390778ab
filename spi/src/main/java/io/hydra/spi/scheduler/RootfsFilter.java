package io.hydra.spi.scheduler;

/**
 * A container that brings its own root directory ({@code --rootfs}, {@code --bundle}) can only run where that
 * directory exists; the caller asked the nodes beforehand and lists those that have it.
 */
public final class RootfsFilter implements NodeFilter {
    @Override
    public String name() {
        return "rootfs";
    }

    @Override
    public FilterResult test(PlacementRequest request, NodeView node) {
        if (request.rootfs().isEmpty() || request.nodesWithRootfs().contains(node.nodeId())) {
            return FilterResult.pass();
        }
        return FilterResult.fail("has no " + request.rootfs().get());
    }
}
