package io.hydra.runtime.checkpoint.repo;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One committed checkpoint version: everything needed to rebuild the image directory from packs. Stored as JSON by
 * {@link ManifestCodec} under {@code manifests/<containerId>/<20-digit version>.json}.
 *
 * @param format        {@link #OLDEST_FORMAT} to {@link #FORMAT}; a daemon refuses formats it does not know
 * @param logicalBytes  sum of the file sizes
 * @param storedBytes   stored (compressed) bytes of the chunks this version was the first to upload; chunks it shares
 *                      with earlier versions or other containers are not counted
 * @param metadata      what the daemon wants to remember with the version (frozenMs, node, ...), sorted by key
 */
public record Manifest(int format, String containerId, String containerName, long version, Instant createdAt,
                       List<ManifestFile> files, Map<String, String> metadata, long logicalBytes, long storedBytes) {
    /**
     * What this code writes. 2: file names are {@link MerkleRoot}s, page images may be stored by page
     * ({@link PageIndex}). 1: file names are flat SHA-256s, every file is content-defined chunks; still read.
     */
    public static final int FORMAT = 2;
    public static final int OLDEST_FORMAT = 1;

    public Manifest {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(containerName, "containerName");
        Objects.requireNonNull(createdAt, "createdAt");
        files = List.copyOf(files);
        // Sorted, so the canonical bytes the MAC covers do not depend on the caller's map.
        metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    Manifest withVersion(long newVersion) {
        return new Manifest(format, containerId, containerName, newVersion, createdAt, files, metadata, logicalBytes,
                storedBytes);
    }

    int chunkCount() {
        return files.stream().mapToInt(file -> file.chunks().size()).sum();
    }

    CheckpointVersion summary() {
        return new CheckpointVersion(containerId, containerName, version, createdAt, logicalBytes, storedBytes,
                metadata, Optional.empty());
    }
}
