package io.hydra.spi.scheduler;

import java.util.Objects;

/**
 * Whether one node can take one container, and when it cannot, why: the reason is shown to the user after the
 * node's id ("b: needs label zone=eu"), so it reads as a short phrase about that node.
 */
public record FilterResult(boolean passes, String reason) {
    private static final FilterResult PASS = new FilterResult(true, "");

    public FilterResult {
        Objects.requireNonNull(reason, "reason");
        if (!passes && reason.isBlank()) {
            throw new IllegalArgumentException("a failed filter must say why");
        }
    }

    public static FilterResult pass() {
        return PASS;
    }

    public static FilterResult fail(String reason) {
        return new FilterResult(false, reason);
    }
}
