package io.hydra.spi.scheduler;

import java.util.Optional;

/**
 * CRIU restores images of its own version or older, so the node's CRIU must be at least the one the checkpoint was
 * taken with. A node without CRIU cannot restore anything; a request without a version accepts any node, CRIU or
 * not (it starts fresh rather than restoring).
 */
public final class CriuVersionFilter implements NodeFilter {
    @Override
    public String name() {
        return "criu-version";
    }

    @Override
    public FilterResult test(PlacementRequest request, NodeView node) {
        if (request.criuVersion().isEmpty()) {
            return FilterResult.pass();
        }
        Optional<DottedVersion> needed = DottedVersion.parse(request.criuVersion());
        if (needed.isEmpty()) {
            return FilterResult.fail("cannot compare with the checkpoint's unreadable CRIU version '"
                    + request.criuVersion() + "'");
        }
        if (node.criuVersion().isEmpty()) {
            return FilterResult.fail("has no CRIU, needs " + request.criuVersion() + " or newer");
        }
        Optional<DottedVersion> has = DottedVersion.parse(node.criuVersion());
        if (has.isEmpty()) {
            return FilterResult.fail("has an unreadable CRIU version '" + node.criuVersion() + "'");
        }
        if (has.get().compareTo(needed.get()) < 0) {
            return FilterResult.fail("has CRIU " + node.criuVersion() + ", needs " + request.criuVersion()
                    + " or newer");
        }
        return FilterResult.pass();
    }
}
