package io.hydra.runtime.checkpoint.repo;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a restore did.
 *
 * @param logicalBytes bytes written under the target directory
 * @param bytesMoved   bytes fetched from the store: the manifest and the chunk records
 */
public record RestoreResult(String containerId, long version, Path targetDir, int files, long logicalBytes,
                            long bytesMoved, Duration duration) {
}
