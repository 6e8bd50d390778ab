package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static byte[] memory(int pages, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] data = new byte[pages * Chunker.PAGE];
        for (int p = 0; p < pages; p++) {
            ImageFixtures.fillMemoryPage(random, data, p * Chunker.PAGE);
        }
        return data;
    }

    private static List<byte[]> chunk(byte[] data) throws IOException {
        Chunker chunker = new Chunker(new ByteArrayInputStream(data));
        List<byte[]> chunks = new ArrayList<>();
        for (byte[] c = chunker.next(); c != null; c = chunker.next()) {
            chunks.add(c);
        }
        assertNull(chunker.next(), "stays ended");
        assertEquals(data.length, chunker.bytesRead());
        return chunks;
    }

    @Test
    void cutsFallOnPageBoundariesWithinTheSizeLimitsAndAverageNear64KiB() throws IOException {
        byte[] data = memory(8192, 1); // 32 MiB
        List<byte[]> chunks = chunk(data);
        long total = 0;
        for (int i = 0; i < chunks.size(); i++) {
            int length = chunks.get(i).length;
            assertEquals(0, length % Chunker.PAGE, "chunk " + i + " ends on a page boundary");
            assertTrue(length <= Chunker.MAX_CHUNK, "chunk " + i + " at most 256 KiB: " + length);
            if (i < chunks.size() - 1) {
                assertTrue(length >= Chunker.MIN_CHUNK, "chunk " + i + " at least 16 KiB: " + length);
            }
            total += length;
        }
        assertEquals(data.length, total);
        double mean = (double) total / chunks.size();
        System.out.printf("chunker: %d chunks, mean %.1f KiB%n", chunks.size(), mean / 1024);
        assertTrue(mean > 48 * 1024 && mean < 80 * 1024, "mean chunk size " + mean);
    }

    @Test
    void smallAndEmptyFiles() throws IOException {
        assertEquals(0, chunk(new byte[0]).size());
        byte[] small = new byte[10_000];
        new SplittableRandom(2).nextBytes(small);
        List<byte[]> chunks = chunk(small);
        assertEquals(1, chunks.size());
        assertEquals(10_000, chunks.get(0).length);
        byte[] underMinimum = memory(3, 3);
        assertEquals(1, chunk(underMinimum).size());
    }

    @Test
    void insertedPagesShiftCutsInsteadOfChangingEveryChunkAfterThem() throws IOException {
        byte[] original = memory(4096, 4); // 16 MiB
        byte[] inserted = memory(64, 5);
        int at = 1000 * Chunker.PAGE;
        byte[] grown = new byte[original.length + inserted.length];
        System.arraycopy(original, 0, grown, 0, at);
        System.arraycopy(inserted, 0, grown, at, inserted.length);
        System.arraycopy(original, at, grown, at + inserted.length, original.length - at);

        Set<String> before = new HashSet<>();
        for (byte[] c : chunk(original)) {
            before.add(Sha256.hex(c));
        }
        long newBytes = 0;
        for (byte[] c : chunk(grown)) {
            if (!before.contains(Sha256.hex(c))) {
                newBytes += c.length;
            }
        }
        System.out.printf("chunker: 256 KiB inserted, %d KiB of new chunks%n", newBytes / 1024);
        assertTrue(newBytes <= inserted.length + 4L * Chunker.MAX_CHUNK, "new bytes " + newBytes);
    }

    @Test
    void identicalContentGivesIdenticalChunks() throws IOException {
        byte[] data = memory(1024, 6);
        List<byte[]> a = chunk(data);
        List<byte[]> b = chunk(data.clone());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(Sha256.hex(a.get(i)), Sha256.hex(b.get(i)));
        }
    }
}
