package io.hydra.spi.monitor;

import java.time.Instant;

/** Receives a container's output, as it wrote it, from its log. */
@FunctionalInterface
public interface LogSink {
    void write(boolean stderr, byte[] data);

    /**
     * One record with the time its monitor wrote it down, for a log format that keeps one (null when it does not or
     * it cannot be read); a sink that filters by time ({@code logs --since}) overrides this one.
     */
    default void write(Instant time, boolean stderr, byte[] data) {
        write(stderr, data);
    }
}
