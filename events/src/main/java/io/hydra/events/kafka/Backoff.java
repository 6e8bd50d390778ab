package io.hydra.events.kafka;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounded exponential back-off between publishing attempts: {@code initial}, doubling per consecutive failure, never
 * above {@code max}. No jitter: one publisher per daemon, there is no herd to spread.
 */
public record Backoff(Duration initial, Duration max) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("backoff initial delay must be positive, got " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff max (" + max + ") must be at least its initial delay ("
                    + initial + ")");
        }
    }

    /** The delay after the {@code failures}-th consecutive failure (1 for the first). */
    public Duration delayAfter(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 30);
        Duration delay = initial.multipliedBy(1L << doublings);
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
