package io.hydra.spi.checkpoint;

import java.time.Duration;

/**
 * A lazy dump whose image without memory is written: the container is frozen, its memory served from the page
 * server. The dump runs outside the daemon (a daemon SIGKILLed meanwhile does not end it), so a handle can be
 * reopened from the dump's work directory ({@link CheckpointBackend#reopenLazyDump}).
 */
public interface LazyDump {
    /**
     * Waits up to {@code timeout} for the dump to end. {@code COMPLETE}: every page reached the restorer and the
     * container's processes here are gone. {@code FAILED}: the restorer did not take them all; the container runs
     * here again, with its network as before the dump. {@code RUNNING}: not ended within the timeout.
     */
    LazyTransfer awaitEnd(Duration timeout);

    /** Ends the dump before the restorer fetched everything: the container runs here again. */
    void abort();
}
