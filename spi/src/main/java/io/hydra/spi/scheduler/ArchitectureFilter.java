package io.hydra.spi.scheduler;

/** A checkpoint restores only on the architecture it was taken on; a request naming none accepts any. */
public final class ArchitectureFilter implements NodeFilter {
    @Override
    public String name() {
        return "architecture";
    }

    @Override
    public FilterResult test(PlacementRequest request, NodeView node) {
        if (request.arch().isEmpty() || request.arch().equals(node.arch())) {
            return FilterResult.pass();
        }
        String has = node.arch().isEmpty() ? "an unknown architecture" : node.arch();
        return FilterResult.fail("is " + has + ", needs " + request.arch());
    }
}
