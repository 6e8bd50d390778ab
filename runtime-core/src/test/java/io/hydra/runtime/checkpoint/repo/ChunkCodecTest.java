package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;

class ChunkCodecTest {
    private static byte[] compressible(int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) ("checkpoint ".charAt(i % 11) + i / 4096);
        }
        return data;
    }

    private static ChunkRef ref(byte[] plain, byte[] record) {
        return new ChunkRef(Sha256.hex(plain), plain.length, "p", 0, record.length);
    }

    @Test
    void compressibleChunksAreStoredAsLz4AndComeBackIdentical() throws Exception {
        byte[] plain = compressible(64 * 1024);
        byte[] record = ChunkCodec.encode(plain);
        assertTrue(record.length < plain.length / 4, "compressed to " + record.length);
        assertEquals(1, record[5], "LZ4 encoding flag");
        assertArrayEquals(plain, ChunkCodec.decode(record, 0, ref(plain, record)));
    }

    @Test
    void incompressibleChunksAreStoredRaw() throws Exception {
        byte[] plain = new byte[64 * 1024];
        new SplittableRandom(1).nextBytes(plain);
        byte[] record = ChunkCodec.encode(plain);
        assertEquals(ChunkCodec.HEADER_BYTES + plain.length, record.length);
        assertEquals(0, record[5], "raw encoding flag");
        // Decoding at an offset inside a larger buffer, as in a fetched run.
        byte[] run = new byte[100 + record.length];
        System.arraycopy(record, 0, run, 100, record.length);
        assertArrayEquals(plain, ChunkCodec.decode(run, 100, ref(plain, record)));
    }

    @Test
    void aHeaderClaimingMorePlainBytesThanTheManifestIsRefused() {
        byte[] plain = compressible(32 * 1024);
        byte[] record = ChunkCodec.encode(plain);
        ChunkRef expected = ref(plain, record);
        ByteBuffer.wrap(record).putInt(8, 1 << 30);
        ChunkCodec.ChunkDefect defect = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> ChunkCodec.decode(record, 0, expected));
        assertTrue(defect.getMessage().contains("LZ4 frame lies about its length"), defect.getMessage());
    }

    @Test
    void lz4DataDecodingToMoreThanTheManifestSaysIsRefused() {
        // Header and manifest agree on 16 KiB, but the LZ4 data expands to 32 KiB: the safe decompressor stops.
        byte[] plain = compressible(32 * 1024);
        byte[] record = ChunkCodec.encode(plain);
        ByteBuffer.wrap(record).putInt(8, 16 * 1024);
        ChunkRef expected = new ChunkRef(Sha256.hex(plain), 16 * 1024, "p", 0, record.length);
        ChunkCodec.ChunkDefect defect = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> ChunkCodec.decode(record, 0, expected));
        assertTrue(defect.getMessage().contains("LZ4 frame lies about its length"), defect.getMessage());
    }

    @Test
    void lz4DataDecodingToFewerBytesIsRefused() {
        byte[] small = compressible(8 * 1024);
        byte[] payload = LZ4Factory.safeInstance().fastCompressor().compress(small);
        byte[] record = new byte[ChunkCodec.HEADER_BYTES + payload.length];
        ByteBuffer.wrap(record).putInt(0x4859434B).put((byte) 1).put((byte) 1).putShort((short) 0)
                .putInt(16 * 1024).putInt(payload.length).put(payload);
        ChunkRef expected = new ChunkRef(Sha256.hex(small), 16 * 1024, "p", 0, record.length);
        ChunkCodec.ChunkDefect defect = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> ChunkCodec.decode(record, 0, expected));
        assertTrue(defect.getMessage().contains("LZ4 frame lies about its length"), defect.getMessage());
    }

    @Test
    void flippedBytesFailTheHashOrTheFormat() {
        byte[] plain = new byte[20_000];
        new SplittableRandom(2).nextBytes(plain);
        byte[] record = ChunkCodec.encode(plain);
        ChunkRef expected = ref(plain, record);
        record[ChunkCodec.HEADER_BYTES + 77] ^= 1;
        ChunkCodec.ChunkDefect defect = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> ChunkCodec.decode(record, 0, expected));
        assertEquals("is corrupt (SHA-256 mismatch)", defect.getMessage());

        byte[] other = ChunkCodec.encode(plain);
        other[0] = 'X';
        defect = assertThrows(ChunkCodec.ChunkDefect.class, () -> ChunkCodec.decode(other, 0, expected));
        assertTrue(defect.getMessage().contains("bad magic"), defect.getMessage());
    }
}
