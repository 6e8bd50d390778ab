package io.hydra.runtime.checkpoint.repo;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A committed checkpoint version as {@link CheckpointRepository#versions} lists it.
 *
 * <p>A manifest that cannot be read (bad JSON, failed validation, wrong MAC) is still listed, so an operator sees it,
 * with {@code problem} saying why; then {@code containerName} is empty, {@code createdAt} is the blob's modification
 * time, the byte counts are 0 and the metadata is empty. Such a version is never chosen by
 * {@link CheckpointRepository#latest} and restoring it fails with the same problem.
 */
public record CheckpointVersion(String containerId, String containerName, long version, Instant createdAt,
                                long logicalBytes, long storedBytes, Map<String, String> metadata,
                                Optional<String> problem) {
    public CheckpointVersion {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(containerName, "containerName");
        Objects.requireNonNull(createdAt, "createdAt");
        metadata = Map.copyOf(metadata);
        Objects.requireNonNull(problem, "problem");
    }

    /** True when the manifest was read and verified: the version can be restored as far as its manifest tells. */
    public boolean complete() {
        return problem.isEmpty();
    }
}
