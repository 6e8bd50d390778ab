package io.hydra.runtime.checkpoint.repo;

import java.time.Duration;
import java.util.Set;

/**
 * What a committed checkpoint cost.
 *
 * @param logicalBytes bytes of the image directory
 * @param storedBytes  stored (compressed) bytes of the chunks no committed version had yet
 * @param bytesMoved   bytes sent to the store: packs and the manifest
 * @param chunks       chunks of the image
 * @param newChunks    chunks that had to be uploaded
 * @param duration     from the first byte read to the manifest committed
 * @param reusedPacksGone packs of earlier versions this version reuses that were found deleted right after the
 *                     commit (garbage collection on another node): non-empty means the committed version cannot be
 *                     restored, and the caller must keep the image it checkpointed (for a stopping checkpoint, the
 *                     staged image and the container's local state) instead of discarding it
 */
public record CommitResult(String containerId, long version, long logicalBytes, long storedBytes, long bytesMoved,
                           int chunks, int newChunks, Duration duration, Set<String> reusedPacksGone) {
    public CommitResult {
        reusedPacksGone = Set.copyOf(reusedPacksGone);
    }

    /** Whether the committed version can be restored as far as this upload knows. */
    public boolean restorable() {
        return reusedPacksGone.isEmpty();
    }
}
