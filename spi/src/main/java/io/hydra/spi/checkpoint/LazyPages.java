package io.hydra.spi.checkpoint;

import java.time.Duration;
import java.util.List;

/**
 * Fetches the memory of a lazily dumped image from the source's page server while the restored container runs,
 * faulting each page in when it is first touched. It runs outside the daemon, so a handle can be reopened
 * ({@link CheckpointBackend#reopenLazyPages}).
 */
public interface LazyPages {
    /** Options for the runtime's restore command: the restore takes its memory from this fetcher. */
    List<String> restoreOptions();

    /**
     * Waits up to {@code timeout} for every page to be here. {@code FAILED} means the restored container lacks
     * memory: the caller must not let it run.
     */
    LazyTransfer awaitEnd(Duration timeout);

    /** Stops fetching (a restore that failed): the source's dump fails and its container runs there again. */
    void abort();
}
