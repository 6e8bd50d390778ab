package io.hydra.runtime.checkpoint.repo;

import java.time.Duration;

/**
 * What a committed checkpoint cost.
 *
 * @param logicalBytes bytes of the image directory
 * @param storedBytes  stored (compressed) bytes of the chunks no committed version had yet
 * @param bytesMoved   bytes sent to the store: packs and the manifest
 * @param chunks       chunks of the image
 * @param newChunks    chunks that had to be uploaded
 * @param duration     from the first byte read to the manifest committed
 */
public record CommitResult(String containerId, long version, long logicalBytes, long storedBytes, long bytesMoved,
                           int chunks, int newChunks, Duration duration) {
}
