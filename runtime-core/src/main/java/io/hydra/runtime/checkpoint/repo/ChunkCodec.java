package io.hydra.runtime.checkpoint.repo;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

import javax.crypto.AEADBadTagException;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The stored form of one chunk inside a pack: a 16-byte header, then the payload.
 * <pre>
 *   0  4  magic "HYCK"
 *   4  1  format (1)
 *   5  1  encoding: 0 raw, 1 LZ4 block; 2 and 3 the same sealed with AES-GCM (see {@link ChunkCipher})
 *   6  2  reserved, zero
 *   8  4  plain length (big-endian)
 *  12  4  payload length (big-endian)
 * </pre>
 * Compression is LZ4's fast compressor; when it does not make the chunk smaller (random data, already compressed
 * files) the plain bytes are stored, so nothing is paid twice. With an encryption key the payload is the nonce,
 * the AES-GCM ciphertext of the raw or LZ4 bytes, and the tag; the header and the chunk's name are authenticated.
 *
 * <p>A chunk is named by the SHA-256 of its plain bytes, or, when encrypting, by a keyed hash of them
 * ({@link #chunkId}): the name must not let a reader of the bucket confirm a guess of the content.
 *
 * <p>Decoding never trusts the header: the lengths the manifest gives (themselves bounded when the manifest is
 * validated) decide the buffer sizes, the header must agree with them, and LZ4 data goes through the safe (bounds
 * checking) decompressor into a buffer of exactly the manifest's plain length. The decoded bytes must hash to the
 * manifest's name. A codec without a key refuses sealed records; one with a key refuses plain records unless the
 * manifest's MAC verified (versions written before encryption was switched on stay restorable).
 */
final class ChunkCodec {
    static final int HEADER_BYTES = 16;
    /** The most a record adds to its chunk's plain bytes: the header, and the nonce and tag when sealed. */
    static final int MAX_OVERHEAD_BYTES = HEADER_BYTES + ChunkCipher.SEAL_BYTES;
    static final int MAX_RECORD_BYTES = MAX_OVERHEAD_BYTES + Chunker.MAX_CHUNK;
    private static final int MAGIC = 0x4859434B; // "HYCK"
    private static final byte FORMAT = 1;
    private static final byte RAW = 0;
    private static final byte LZ4 = 1;
    private static final byte SEALED = 2;

    private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
    // Pure Java with bounds checks: data read back from storage is untrusted input.
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.safeInstance().safeDecompressor();

    /** Chunks named by SHA-256, stored unencrypted. */
    static final ChunkCodec PLAIN = new ChunkCodec(Optional.empty());

    private final Optional<ChunkCipher> cipher;

    private ChunkCodec(Optional<ChunkCipher> cipher) {
        this.cipher = cipher;
    }

    /** The codec a repository's settings ask for: encrypting when they carry an encryption key. */
    static ChunkCodec of(RepositorySettings settings) {
        return settings.encryptionKey().map(key -> new ChunkCodec(Optional.of(new ChunkCipher(key)))).orElse(PLAIN);
    }

    boolean encrypting() {
        return cipher.isPresent();
    }

    /** The name a manifest and the chunk index know the chunk by. */
    String chunkId(byte[] plain) {
        return cipher.map(c -> c.chunkId(plain)).orElseGet(() -> Sha256.hex(plain));
    }

    private static final ThreadLocal<java.security.MessageDigest> SHA256 = ThreadLocal.withInitial(Sha256::newDigest);

    /**
     * The raw form of {@link #chunkId} for {@code data[offset..offset+length)}, written into {@code out} at
     * {@code outOffset}: page digests are kept as bytes (32 per page), not as hex strings.
     */
    void digest(byte[] data, int offset, int length, byte[] out, int outOffset) {
        if (cipher.isPresent()) {
            cipher.get().digest(data, offset, length, out, outOffset);
            return;
        }
        java.security.MessageDigest sha = SHA256.get();
        sha.update(data, offset, length);
        try {
            sha.digest(out, outOffset, MerkleRoot.DIGEST_BYTES);
        } catch (java.security.DigestException e) {
            throw new IllegalArgumentException("no room for a digest at " + outOffset, e);
        }
    }

    /** The digests of every 4096-byte page of {@code data[0..pages*4096)}, 32 bytes each. */
    byte[] pageDigests(byte[] data, int pages) {
        byte[] digests = new byte[pages * MerkleRoot.DIGEST_BYTES];
        for (int i = 0; i < pages; i++) {
            digest(data, i * Chunker.PAGE, Chunker.PAGE, digests, i * MerkleRoot.DIGEST_BYTES);
        }
        return digests;
    }

    /** What the manifest records for a whole file whose plain SHA-256 is {@code sha256}. */
    String fileId(String sha256) {
        return cipher.map(c -> c.fileId(sha256)).orElse(sha256);
    }

    /** The plain codec's record; kept for callers that never encrypt. */
    static byte[] encode(byte[] plain) {
        return PLAIN.record(plain, null);
    }

    /** The plain codec's decoding; kept for callers that never encrypt. */
    static byte[] decode(byte[] data, int offset, ChunkRef expected) throws ChunkDefect {
        return PLAIN.plain(data, offset, expected, false);
    }

    /**
     * The stored record of a chunk: header and LZ4 payload, or header and the plain bytes when LZ4 does not help;
     * sealed when encrypting. {@code chunkId} is {@link #chunkId}'s answer (only needed when encrypting).
     */
    byte[] record(byte[] plain, String chunkId) {
        int max = COMPRESSOR.maxCompressedLength(plain.length);
        if (cipher.isEmpty()) {
            byte[] record = new byte[HEADER_BYTES + max];
            int compressed = COMPRESSOR.compress(plain, 0, plain.length, record, HEADER_BYTES, max);
            if (compressed >= plain.length) {
                record = new byte[HEADER_BYTES + plain.length];
                System.arraycopy(plain, 0, record, HEADER_BYTES, plain.length);
                writeHeader(record, RAW, plain.length, plain.length);
                return record;
            }
            writeHeader(record, LZ4, plain.length, compressed);
            return Arrays.copyOf(record, HEADER_BYTES + compressed);
        }
        byte[] inner = new byte[max];
        int compressed = COMPRESSOR.compress(plain, 0, plain.length, inner, 0, max);
        boolean lz4 = compressed < plain.length;
        if (!lz4) {
            inner = plain;
            compressed = plain.length;
        }
        byte[] header = new byte[HEADER_BYTES];
        writeHeader(header, (byte) (SEALED | (lz4 ? LZ4 : RAW)), plain.length, compressed + ChunkCipher.SEAL_BYTES);
        byte[] sealed = cipher.get().seal(inner, compressed, chunkId == null ? chunkId(plain) : chunkId, header);
        byte[] record = new byte[HEADER_BYTES + sealed.length];
        System.arraycopy(header, 0, record, 0, HEADER_BYTES);
        System.arraycopy(sealed, 0, record, HEADER_BYTES, sealed.length);
        return record;
    }

    private static void writeHeader(byte[] record, byte encoding, int plainLength, int payloadLength) {
        ByteBuffer.wrap(record, 0, HEADER_BYTES).putInt(MAGIC).put(FORMAT).put(encoding).putShort((short) 0)
                .putInt(plainLength).putInt(payloadLength);
    }

    /**
     * Decodes the record at {@code data[offset..offset+expected.storedLength())} and checks it against the manifest's
     * entry; throws {@link ChunkDefect} saying what is wrong.
     *
     * @param manifestAuthenticated the manifest naming the chunk carried a MAC that verified. A codec with a key then
     *                              also accepts a plain record (a version written before encryption was switched
     *                              on): the MAC covers the chunk's SHA-256, so the record is as trustworthy as a
     *                              sealed one. Without a verified MAC a plain record could be anyone's, and is refused.
     */
    byte[] plain(byte[] data, int offset, ChunkRef expected, boolean manifestAuthenticated) throws ChunkDefect {
        byte[] plain = open(data, offset, expected, manifestAuthenticated);
        if (!namingCodec(data, offset).chunkId(plain).equals(expected.sha256())) {
            throw new ChunkDefect(cipher.isPresent() ? "is corrupt (its keyed hash does not match its name)"
                    : "is corrupt (SHA-256 mismatch)");
        }
        return plain;
    }

    /**
     * The codec whose {@link #chunkId} named the record at {@code data[offset..]} (already {@linkplain #open opened}):
     * this one, or the plain one for an unsealed record a keyed codec accepted (written before encryption was on).
     */
    ChunkCodec namingCodec(byte[] data, int offset) {
        return cipher.isPresent() && (data[offset + 5] & SEALED) == 0 ? PLAIN : this;
    }

    /**
     * {@link #plain} without the final check of the bytes against the name: for page records, whose name is the
     * {@link MerkleRoot} of their pages and which the caller checks page by page. Everything else is checked.
     */
    byte[] open(byte[] data, int offset, ChunkRef expected, boolean manifestAuthenticated) throws ChunkDefect {
        int storedLength = expected.storedLength();
        if (storedLength < HEADER_BYTES) {
            throw new ChunkDefect("is shorter than its header (" + storedLength + " bytes)");
        }
        ByteBuffer header = ByteBuffer.wrap(data, offset, HEADER_BYTES);
        int magic = header.getInt();
        byte format = header.get();
        byte encoding = header.get();
        header.getShort();
        int plainLength = header.getInt();
        int payloadLength = header.getInt();
        if (magic != MAGIC) {
            throw new ChunkDefect("is not a chunk record (bad magic " + Integer.toHexString(magic) + ")");
        }
        if (format != FORMAT) {
            throw new ChunkDefect("has unknown record format " + format);
        }
        if (payloadLength != storedLength - HEADER_BYTES) {
            throw new ChunkDefect("header says " + payloadLength + " payload bytes, the manifest "
                    + (storedLength - HEADER_BYTES));
        }
        if (encoding < 0 || encoding > (SEALED | LZ4)) {
            throw new ChunkDefect("has unknown encoding " + encoding);
        }
        boolean sealed = (encoding & SEALED) != 0;
        byte inner = (byte) (encoding & LZ4);
        if (plainLength != expected.plainLength()) {
            throw new ChunkDefect((inner == LZ4 ? "LZ4 frame lies about its length: " : "raw record lies about its"
                    + " length: ") + "header says " + Integer.toUnsignedString(plainLength)
                    + " plain bytes, the manifest " + expected.plainLength());
        }
        byte[] payload = data;
        int payloadOffset = offset + HEADER_BYTES;
        int innerLength = payloadLength;
        if (sealed && cipher.isEmpty()) {
            throw new ChunkDefect("is encrypted, and this daemon has no hydra.checkpoint.encryption-key");
        }
        if (!sealed && cipher.isPresent()) {
            if (!manifestAuthenticated) {
                throw new ChunkDefect("is not encrypted, but hydra.checkpoint.encryption-key is set and the manifest"
                        + " carries no verified MAC: on an unsigned store every chunk must be encrypted");
            }
            return PLAIN.open(data, offset, expected, true);
        }
        if (sealed) {
            try {
                payload = cipher.get().open(data, payloadOffset, payloadLength, expected.sha256(),
                        Arrays.copyOfRange(data, offset, offset + HEADER_BYTES));
            } catch (AEADBadTagException e) {
                throw new ChunkDefect("does not decrypt (AES-GCM authentication failed): it was changed, or"
                        + " written under another encryption key");
            }
            payloadOffset = 0;
            innerLength = payload.length;
        }
        byte[] plain;
        if (inner == RAW) {
            if (innerLength != plainLength) {
                throw new ChunkDefect("raw record holds " + innerLength + " bytes for " + plainLength + " plain bytes");
            }
            plain = Arrays.copyOfRange(payload, payloadOffset, payloadOffset + innerLength);
        } else {
            plain = new byte[expected.plainLength()];
            int decoded;
            try {
                decoded = DECOMPRESSOR.decompress(payload, payloadOffset, innerLength, plain, 0, plain.length);
            } catch (LZ4Exception e) {
                throw new ChunkDefect("LZ4 frame lies about its length or is malformed: it does not decode into the"
                        + " manifest's " + plain.length + " bytes");
            }
            if (decoded != plain.length) {
                throw new ChunkDefect("LZ4 frame lies about its length: it decodes to " + decoded
                        + " bytes, the manifest says " + plain.length);
            }
        }
        return plain;
    }

    /** What is wrong with a chunk record; the caller adds container, version, file and chunk. */
    static final class ChunkDefect extends Exception {
        ChunkDefect(String problem) {
            super(problem, null, false, false);
        }
    }
}
