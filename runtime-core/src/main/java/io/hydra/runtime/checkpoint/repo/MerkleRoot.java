package io.hydra.runtime.checkpoint.repo;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The digest of a sequence of pieces, each known by its length and its own 32-byte digest: SHA-256 over a domain
 * tag, then, per piece, its length (4 bytes, big-endian) and its digest. Format 2 manifests name whole files this way
 * (the pieces are a file's chunks, or its pages), and page records too (the pieces are the record's pages).
 *
 * <p>This is how every byte is hashed once: the pieces' digests are computed in parallel where the bytes are at hand
 * (chunk or page, on the hashing pool), and the file's name costs 36 bytes of hashing per piece instead of a second,
 * sequential pass over the file. It is as binding as a flat SHA-256: a different file needs a different piece
 * digest or length, which needs a SHA-256 collision. The tag keeps a root from being the SHA-256 of any chunk's
 * bytes that happen to spell out a piece list.
 */
final class MerkleRoot {
    static final int DIGEST_BYTES = 32;
    private static final byte[] TAG = "hydra merkle v1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final MessageDigest digest = Sha256.newDigest();
    private final byte[] length = new byte[4];

    MerkleRoot() {
        digest.update(TAG);
    }

    MerkleRoot add(int pieceLength, byte[] digests, int offset) {
        length[0] = (byte) (pieceLength >>> 24);
        length[1] = (byte) (pieceLength >>> 16);
        length[2] = (byte) (pieceLength >>> 8);
        length[3] = (byte) pieceLength;
        digest.update(length);
        digest.update(digests, offset, DIGEST_BYTES);
        return this;
    }

    MerkleRoot add(int pieceLength, String hexDigest) {
        return add(pieceLength, HexFormat.of().parseHex(hexDigest), 0);
    }

    /** Pages {@code [first, first + count)} of a digest array holding one 32-byte digest per 4096-byte page. */
    MerkleRoot addPages(byte[] pageDigests, int first, int count) {
        for (int i = first; i < first + count; i++) {
            add(Chunker.PAGE, pageDigests, i * DIGEST_BYTES);
        }
        return this;
    }

    /** Ends it: lowercase hex. */
    String hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    static String ofPages(byte[] pageDigests, int first, int count) {
        return new MerkleRoot().addPages(pageDigests, first, count).hex();
    }

    /** A format 2 CDC file's root: its chunks in order. */
    static String ofChunks(Iterable<ChunkRef> chunks) {
        MerkleRoot root = new MerkleRoot();
        for (ChunkRef chunk : chunks) {
            root.add(chunk.plainLength(), chunk.sha256());
        }
        return root.hex();
    }
}
