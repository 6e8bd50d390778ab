package io.hydra.runtime.checkpoint.repo;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One file of a checkpoint image directory.
 *
 * @param path   relative to the image directory, '/'-separated, never absolute, no '.' or '..' segments
 * @param mode   POSIX permission bits (0..0777); set-id and sticky bits are never recorded nor restored
 * @param size   bytes: the sum of the chunks' plain lengths, or for a page image, 4096 times its pages
 * @param sha256 the file's name, checked after restore: in format 1 the SHA-256 of the whole file, in format 2 the
 *               {@link MerkleRoot} of its chunks or pages (keyed through {@link ChunkCodec#fileId} when encrypting)
 * @param chunks the file's chunks in order; for a page image, the table of page records its {@code pages} refer to
 * @param pages  for a page image stored by page, where each page lives
 */
public record ManifestFile(String path, int mode, long size, String sha256, List<ChunkRef> chunks,
                           Optional<PageIndex> pages) {
    public ManifestFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(pages, "pages");
        chunks = List.copyOf(chunks);
    }

    /** A file stored as content-defined chunks. */
    public ManifestFile(String path, int mode, long size, String sha256, List<ChunkRef> chunks) {
        this(path, mode, size, sha256, chunks, Optional.empty());
    }

    boolean byPage() {
        return pages.isPresent();
    }
}
