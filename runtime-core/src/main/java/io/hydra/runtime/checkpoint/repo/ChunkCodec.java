package io.hydra.runtime.checkpoint.repo;

import java.nio.ByteBuffer;
import java.util.Arrays;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The stored form of one chunk inside a pack: a 16-byte header, then the payload.
 * <pre>
 *   0  4  magic "HYCK"
 *   4  1  format (1)
 *   5  1  encoding: 0 raw, 1 LZ4 block
 *   6  2  reserved, zero
 *   8  4  plain length (big-endian)
 *  12  4  payload length (big-endian)
 * </pre>
 * Compression is LZ4's fast compressor; when it does not make the chunk smaller (random data, already compressed
 * files) the plain bytes are stored, so nothing is paid twice.
 *
 * <p>Decoding never trusts the header: the lengths the manifest gives (themselves bounded when the manifest is
 * validated) decide the buffer sizes, the header must agree with them, and LZ4 data goes through the safe (bounds
 * checking) decompressor into a buffer of exactly the manifest's plain length. The decoded bytes must hash to the
 * manifest's SHA-256.
 */
final class ChunkCodec {
    static final int HEADER_BYTES = 16;
    static final int MAX_RECORD_BYTES = HEADER_BYTES + Chunker.MAX_CHUNK;
    private static final int MAGIC = 0x4859434B; // "HYCK"
    private static final byte FORMAT = 1;
    private static final byte RAW = 0;
    private static final byte LZ4 = 1;

    private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
    // Pure Java with bounds checks: data read back from storage is untrusted input.
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.safeInstance().safeDecompressor();

    private ChunkCodec() {
    }

    /** The stored record of a chunk: header and LZ4 payload, or header and the plain bytes when LZ4 does not help. */
    static byte[] encode(byte[] plain) {
        int max = COMPRESSOR.maxCompressedLength(plain.length);
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

    private static void writeHeader(byte[] record, byte encoding, int plainLength, int payloadLength) {
        ByteBuffer.wrap(record, 0, HEADER_BYTES).putInt(MAGIC).put(FORMAT).put(encoding).putShort((short) 0)
                .putInt(plainLength).putInt(payloadLength);
    }

    /**
     * Decodes the record at {@code data[offset..offset+expected.storedLength())} and checks it against the manifest's
     * entry; throws {@link ChunkDefect} saying what is wrong.
     */
    static byte[] decode(byte[] data, int offset, ChunkRef expected) throws ChunkDefect {
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
        if (plainLength != expected.plainLength()) {
            throw new ChunkDefect((encoding == LZ4 ? "LZ4 frame lies about its length: " : "raw record lies about its"
                    + " length: ") + "header says " + Integer.toUnsignedString(plainLength)
                    + " plain bytes, the manifest " + expected.plainLength());
        }
        byte[] plain;
        if (encoding == RAW) {
            if (payloadLength != plainLength) {
                throw new ChunkDefect("raw record holds " + payloadLength + " bytes for " + plainLength + " plain bytes");
            }
            plain = Arrays.copyOfRange(data, offset + HEADER_BYTES, offset + HEADER_BYTES + payloadLength);
        } else if (encoding == LZ4) {
            plain = new byte[expected.plainLength()];
            int decoded;
            try {
                decoded = DECOMPRESSOR.decompress(data, offset + HEADER_BYTES, payloadLength, plain, 0, plain.length);
            } catch (LZ4Exception e) {
                throw new ChunkDefect("LZ4 frame lies about its length or is malformed: it does not decode into the"
                        + " manifest's " + plain.length + " bytes");
            }
            if (decoded != plain.length) {
                throw new ChunkDefect("LZ4 frame lies about its length: it decodes to " + decoded
                        + " bytes, the manifest says " + plain.length);
            }
        } else {
            throw new ChunkDefect("has unknown encoding " + encoding);
        }
        if (!Sha256.hex(plain).equals(expected.sha256())) {
            throw new ChunkDefect("is corrupt (SHA-256 mismatch)");
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
