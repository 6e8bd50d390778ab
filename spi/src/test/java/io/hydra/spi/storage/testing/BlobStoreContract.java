package io.hydra.spi.storage.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlobStore} must do. Published in the SPI's test-jar, so every store module runs the same
 * contract (a plugin never depends on another plugin, only on the SPI).
 */
public abstract class BlobStoreContract {
    protected static final int MIB = 1024 * 1024;

    /** A fresh, empty store for each test. */
    protected abstract BlobStore store();

    @Test
    void putGetStatListDeleteRoundTrip() throws Exception {
        BlobStore store = store();
        Instant before = Instant.now().minusSeconds(5);
        assertTrue(store.put("ckpt/v1/manifest", bytes("hello"), 5, false));

        assertEquals("hello", read(store, "ckpt/v1/manifest"));
        BlobInfo info = store.stat("ckpt/v1/manifest").orElseThrow();
        assertEquals("ckpt/v1/manifest", info.name());
        assertEquals(5, info.length());
        assertTrue(info.modified().isAfter(before), "modified " + info.modified());
        assertEquals(List.of("ckpt/v1/manifest"), names(store.list("")));

        store.delete("ckpt/v1/manifest");
        assertTrue(store.stat("ckpt/v1/manifest").isEmpty());
        assertThrows(NoSuchFileException.class, () -> store.get("ckpt/v1/manifest"));
        assertEquals(List.of(), store.list(""));
    }

    @Test
    void putWithoutIfAbsentReplaces() throws Exception {
        BlobStore store = store();
        store.put("a", bytes("old"), 3, false);
        assertTrue(store.put("a", bytes("newer"), 5, false));
        assertEquals("newer", read(store, "a"));
        assertEquals(5, store.stat("a").orElseThrow().length());
    }

    @Test
    void missingBlobs() throws Exception {
        BlobStore store = store();
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> store.get("no/such/blob"));
        assertTrue(missing.getMessage().contains("no/such/blob"), missing.getMessage());
        assertTrue(store.stat("no/such/blob").isEmpty());
        store.delete("no/such/blob");
        assertEquals(List.of(), store.list("no/"));
    }

    @Test
    void zeroByteBlob() throws Exception {
        BlobStore store = store();
        assertTrue(store.put("empty", InputStream.nullInputStream(), 0, false));
        assertEquals(0, store.stat("empty").orElseThrow().length());
        try (InputStream in = store.get("empty")) {
            assertEquals(-1, in.read());
        }
        assertFalse(store.put("empty", InputStream.nullInputStream(), 0, true));
    }

    @Test
    void largeBlob() throws Exception {
        BlobStore store = store();
        long length = 40L * MIB;
        assertTrue(store.put("big/blob", new PatternStream(length, 7), length, false));
        assertEquals(length, store.stat("big/blob").orElseThrow().length());
        try (InputStream in = store.get("big/blob")) {
            assertArrayEquals(sha256(new PatternStream(length, 7)), sha256(in));
        }
    }

    @Test
    void listIsSortedRecursiveAndFilteredByPrefix() throws Exception {
        BlobStore store = store();
        for (String name : List.of("b/2", "a/2", "a/10", "ab", "a/1", "a/x/deep/er", "c")) {
            store.put(name, bytes(name), name.length(), false);
        }
        assertEquals(List.of("a/1", "a/10", "a/2", "a/x/deep/er", "ab", "b/2", "c"), names(store.list("")));
        assertEquals(List.of("a/1", "a/10", "a/2", "a/x/deep/er"), names(store.list("a/")));
        assertEquals(List.of("a/1", "a/10", "a/2", "a/x/deep/er", "ab"), names(store.list("a")));
        assertEquals(List.of("a/1", "a/10"), names(store.list("a/1")));
        assertEquals(List.of("a/x/deep/er"), names(store.list("a/x/d")));
        assertEquals(List.of(), names(store.list("d")));
        BlobInfo info = store.list("b/").get(0);
        assertEquals(3, info.length());
    }

    @Test
    void ifAbsentCreatesOnceAndKeepsTheFirst() throws Exception {
        BlobStore store = store();
        assertTrue(store.put("chunks/ab/cd", bytes("first"), 5, true));
        assertFalse(store.put("chunks/ab/cd", bytes("second"), 6, true));
        assertEquals("first", read(store, "chunks/ab/cd"));
        assertEquals(List.of("chunks/ab/cd"), names(store.list("chunks/")));
    }

    @Test
    void ifAbsentRacesHaveExactlyOneWinner() throws Exception {
        BlobStore store = store();
        int racers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            for (int round = 0; round < 5; round++) {
                String name = "race/" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int racer = 0; racer < racers; racer++) {
                    String content = "racer-" + racer;
                    Callable<Boolean> put = () -> {
                        start.await();
                        return store.put(name, bytes(content), content.length(), true);
                    };
                    results.add(pool.submit(put));
                }
                start.countDown();
                List<Integer> winners = new ArrayList<>();
                for (int racer = 0; racer < racers; racer++) {
                    if (results.get(racer).get()) {
                        winners.add(racer);
                    }
                }
                assertEquals(1, winners.size(), "winners of round " + round + ": " + winners);
                assertEquals("racer-" + winners.get(0), read(store, name));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shortStreamFailsAndLeavesNothing() throws Exception {
        BlobStore store = store();
        assertThrows(IOException.class, () -> store.put("short", bytes("abc"), 10, false));
        assertThrows(IOException.class, () -> store.put("short", bytes("abc"), 10, true));
        assertTrue(store.stat("short").isEmpty());
        assertEquals(List.of(), store.list(""));
    }

    @Test
    void longerStreamFailsAndLeavesNothing() throws Exception {
        BlobStore store = store();
        assertThrows(IOException.class, () -> store.put("long", bytes("abcdef"), 3, false));
        assertTrue(store.stat("long").isEmpty());
        assertEquals(List.of(), store.list(""));
    }

    @Test
    void failedReplaceKeepsTheOldBlob() throws Exception {
        BlobStore store = store();
        store.put("kept", bytes("old"), 3, false);
        assertThrows(IOException.class, () -> store.put("kept", bytes("new"), 30, false));
        assertEquals("old", read(store, "kept"));
    }

    @Test
    void streamFailingMidwayLeavesNothing() throws Exception {
        BlobStore store = store();
        InputStream failing = new PatternStream(20L * MIB, 3) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (position() > 6L * MIB) {
                    throw new IOException("disk on fire");
                }
                return super.read(b, off, len);
            }
        };
        IOException e = assertThrows(IOException.class, () -> store.put("midway", failing, 20L * MIB, false));
        assertTrue(messages(e).contains("disk on fire"), messages(e));
        assertTrue(store.stat("midway").isEmpty());
        assertEquals(List.of(), store.list(""));
    }

    @Test
    void invalidNamesAreRefusedBeforeAnyAccess() throws Exception {
        BlobStore store = store();
        for (String bad : List.of("../x", "/abs", "a//b", "a/../b", "", "a/", ".hidden", "a/./b", "-dash", "a b")) {
            assertThrows(IllegalArgumentException.class, () -> store.put(bad, bytes("x"), 1, false), bad);
            assertThrows(IllegalArgumentException.class, () -> store.put(bad, bytes("x"), 1, true), bad);
            assertThrows(IllegalArgumentException.class, () -> store.get(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.stat(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.delete(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> store.list("../"));
        assertThrows(IllegalArgumentException.class, () -> store.list("/"));
        assertThrows(IllegalArgumentException.class, () -> store.put(null, bytes("x"), 1, false));
        assertEquals(List.of(), store.list(""));
    }

    @Test
    void negativeLengthIsRefused() {
        BlobStore store = store();
        assertThrows(IllegalArgumentException.class, () -> store.put("neg", bytes("x"), -1, false));
    }

    @Test
    void rangedReadsGiveExactlyTheRange() throws Exception {
        BlobStore store = store();
        byte[] data = new byte[3 * MIB + 17];
        new Random(7).nextBytes(data);
        store.put("packs/p1", new ByteArrayInputStream(data), data.length, false);
        long[][] ranges = {{0, 1}, {0, 4096}, {1, 100}, {MIB - 3, 70_000}, {2 * MIB, MIB + 17}, {data.length - 1, 1},
                {12345, 0}};
        for (long[] range : ranges) {
            try (InputStream in = store.get("packs/p1", range[0], range[1])) {
                byte[] got = in.readAllBytes();
                byte[] want = java.util.Arrays.copyOfRange(data, (int) range[0], (int) (range[0] + range[1]));
                assertArrayEquals(want, got, "range " + range[0] + "+" + range[1]);
            }
        }
    }

    @Test
    void rangedReadsInParallelDoNotInterfere() throws Exception {
        BlobStore store = store();
        byte[] data = new byte[2 * MIB];
        new Random(11).nextBytes(data);
        store.put("packs/p2", new ByteArrayInputStream(data), data.length, false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> parts = new ArrayList<>();
            int part = data.length / 16;
            for (int i = 0; i < 16; i++) {
                long offset = (long) i * part;
                parts.add(pool.submit(() -> {
                    try (InputStream in = store.get("packs/p2", offset, part)) {
                        return in.readAllBytes();
                    }
                }));
            }
            for (int i = 0; i < 16; i++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(data, i * part, (i + 1) * part), parts.get(i).get(),
                        "part " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rangedReadPastTheEndGivesWhatExistsThenEof() throws Exception {
        BlobStore store = store();
        store.put("short", bytes("0123456789"), 10, false);
        try (InputStream in = store.get("short", 6, 10)) {
            byte[] buffer = new byte[16];
            int got = 0;
            EOFException eof = null;
            try {
                for (int n; (n = in.read(buffer, got, buffer.length - got)) >= 0; ) {
                    got += n;
                }
            } catch (EOFException e) {
                eof = e;
            }
            assertEquals("6789", new String(buffer, 0, got, StandardCharsets.UTF_8));
            assertTrue(eof != null, "a range running past the end must end in EOFException, not a silent short read");
        }
        assertThrows(EOFException.class, () -> {
            try (InputStream in = store.get("short", 10, 5)) {
                in.readAllBytes();
            }
        });
        assertThrows(EOFException.class, () -> {
            try (InputStream in = store.get("short", 1000, 1)) {
                in.readAllBytes();
            }
        });
    }

    @Test
    void rangedReadOfBadArgumentsOrMissingBlobFails() throws Exception {
        BlobStore store = store();
        store.put("x", bytes("abc"), 3, false);
        assertThrows(IllegalArgumentException.class, () -> store.get("x", -1, 2));
        assertThrows(IllegalArgumentException.class, () -> store.get("x", 0, -2));
        assertThrows(NoSuchFileException.class, () -> store.get("no/such", 0, 2));
        assertThrows(NoSuchFileException.class, () -> store.get("no/such", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> store.get("../x", 0, 1));
    }

    @Test
    void forEachHandsOverWhatListReturnsAndLetsTheVisitorDeleteIt() throws Exception {
        BlobStore store = store();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String name = "packs/" + (i % 3) + "/p" + i;
            store.put(name, bytes("x" + i), ("x" + i).length(), false);
            expected.add(name);
        }
        store.put("other/o", bytes("o"), 1, false);
        expected.sort(null);
        List<String> seen = new ArrayList<>();
        store.forEach("packs/", blob -> {
            seen.add(blob.name());
            assertEquals(("x" + blob.name().substring(blob.name().lastIndexOf('p') + 1)).length(), blob.length());
        });
        seen.sort(null);
        assertEquals(expected, seen);
        assertEquals(expected, names(store.list("packs/")));

        store.forEach("packs/1/", blob -> store.delete(blob.name()));
        assertEquals(List.of(), store.list("packs/1/"));
        assertEquals(20, store.list("packs/").size());

        IOException mine = new IOException("the visitor's own failure");
        IOException thrown = assertThrows(IOException.class, () -> store.forEach("packs/", blob -> {
            throw mine;
        }));
        assertTrue(thrown == mine, "the visitor's exception comes back as it was: " + thrown);
        store.forEach("no/such/prefix/", blob -> {
            throw new AssertionError("nothing to visit: " + blob);
        });
    }

    protected static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    protected static String read(BlobStore store, String name) throws IOException {
        try (InputStream in = store.get(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    protected static List<String> names(List<BlobInfo> blobs) {
        return blobs.stream().map(BlobInfo::name).toList();
    }

    protected static byte[] sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[256 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    protected static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append(" / ");
        }
        return all.toString();
    }

    /** {@code length} reproducible pseudo-random bytes, without holding them in memory. */
    protected static class PatternStream extends InputStream {
        private final long length;
        private final byte[] block = new byte[64 * 1024];
        private long position;

        public PatternStream(long length, long seed) {
            this.length = length;
            new Random(seed).nextBytes(block);
        }

        long position() {
            return position;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position >= length) {
                return -1;
            }
            int offset = (int) (position % block.length);
            int n = (int) Math.min(Math.min(len, block.length - offset), length - position);
            System.arraycopy(block, offset, b, off, n);
            position += n;
            return n;
        }
    }
}
