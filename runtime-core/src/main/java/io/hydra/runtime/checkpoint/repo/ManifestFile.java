package io.hydra.runtime.checkpoint.repo;

import java.util.List;
import java.util.Objects;

/**
 * One file of a checkpoint image directory.
 *
 * @param path   relative to the image directory, '/'-separated, never absolute, no '.' or '..' segments
 * @param mode   POSIX permission bits (0..0777); set-id and sticky bits are never recorded nor restored
 * @param size   bytes, the sum of the chunks' plain lengths
 * @param sha256 SHA-256 of the whole file, checked after restore
 * @param chunks the file's chunks in order
 */
public record ManifestFile(String path, int mode, long size, String sha256, List<ChunkRef> chunks) {
    public ManifestFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sha256, "sha256");
        chunks = List.copyOf(chunks);
    }
}
