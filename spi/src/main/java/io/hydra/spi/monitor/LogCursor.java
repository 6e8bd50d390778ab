package io.hydra.spi.monitor;

import java.io.IOException;

/**
 * A reading position in a container's log, in whatever format its monitor writes. It never blocks, so one thread
 * can serve many followers: each {@link #poll} hands out what has been written since the last one, up to a budget,
 * and returns 0 when there is nothing new yet. It carries on across the monitor's own log rotation.
 */
public interface LogCursor extends AutoCloseable {
    /**
     * Passes the next complete records of the log to {@code sink}, in the order the container wrote them, reading
     * at most about {@code maxBytes} of the log file (a single record longer than that may be read whole, up to
     * the strategy's own limit).
     *
     * @return the log-file bytes consumed; 0 when nothing new is there (yet), or the log does not exist (yet)
     */
    int poll(int maxBytes, LogSink sink) throws IOException;

    @Override
    void close();
}
