package io.hydra.runtime.image;

import java.time.Duration;

/**
 * What a pull or import did.
 *
 * @param bytesFetched bytes moved into the store by this operation
 * @param bytesPresent bytes of blobs the store already held
 */
public record PullSummary(String ref, String manifestDigest, int layers, long bytesFetched, long bytesPresent,
                          long size, Duration duration) {
}
