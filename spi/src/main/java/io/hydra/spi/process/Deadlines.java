package io.hydra.spi.process;

import java.time.Duration;
import java.util.Objects;

/**
 * The daemon's deadlines for external commands, handed to plugins so that none reads the daemon's configuration.
 *
 * @param runtime    one OCI runtime call (start, kill, pause, state, ...): {@code hydra.runtime.timeout}
 * @param checkpoint one dump or one restore: {@code hydra.checkpoint.timeout}
 */
public record Deadlines(Duration runtime, Duration checkpoint) {
    public static final Duration DEFAULT_RUNTIME = Duration.ofSeconds(60);
    public static final Duration DEFAULT_CHECKPOINT = Duration.ofMinutes(10);

    public Deadlines {
        requirePositive("hydra.runtime.timeout", runtime);
        requirePositive("hydra.checkpoint.timeout", checkpoint);
    }

    public static Deadlines defaults() {
        return new Deadlines(DEFAULT_RUNTIME, DEFAULT_CHECKPOINT);
    }

    private static void requirePositive(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(key + " must be a positive duration, not " + format(value));
        }
    }

    /** {@code 60 s}, {@code 1.5 s}, {@code 250 ms}: for messages. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
