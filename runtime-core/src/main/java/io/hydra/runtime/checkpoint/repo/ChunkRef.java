package io.hydra.runtime.checkpoint.repo;

import java.util.Objects;

/**
 * One chunk of a file as a manifest records it: the SHA-256 of its plain bytes, and where its stored record (header
 * plus payload, see {@link ChunkCodec}) lies inside a pack.
 *
 * @param sha256       SHA-256 of the plain bytes, lowercase hex
 * @param plainLength  plain bytes, 1..{@link Chunker#MAX_CHUNK}
 * @param pack         pack id; the blob is {@code packs/<pack>}
 * @param offset       first byte of the stored record inside the pack
 * @param storedLength bytes of the stored record, header included
 */
public record ChunkRef(String sha256, int plainLength, String pack, long offset, int storedLength) {
    public ChunkRef {
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(pack, "pack");
    }

    boolean sameLocation(ChunkRef other) {
        return pack.equals(other.pack) && offset == other.offset && storedLength == other.storedLength;
    }
}
