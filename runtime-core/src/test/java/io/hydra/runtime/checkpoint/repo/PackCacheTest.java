package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/** The local pack cache of live migration, over the real local-directory store. */
class PackCacheTest {
    @TempDir
    Path temp;
    private BlobStore store;
    private Path cacheDir;
    private final List<CheckpointRepository> repositories = new ArrayList<>();

    @BeforeEach
    void openStore() throws IOException {
        store = new FsBlobStore(temp.resolve("store"));
        cacheDir = temp.resolve("cache");
    }

    @AfterEach
    void close() throws IOException {
        repositories.forEach(CheckpointRepository::close);
        store.close();
    }

    private String putPack(int size, long seed) throws IOException {
        String name = PackWriter.blobName(UUID.randomUUID().toString());
        byte[] bytes = bytes(size, seed);
        assertTrue(store.put(name, new ByteArrayInputStream(bytes), size, true));
        return name;
    }

    private static byte[] bytes(int size, long seed) {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt();
        }
        return bytes;
    }

    /** What a ranged read gives: the bytes, and whether it ended in EOFException (at open or while reading). */
    private record Read(byte[] bytes, boolean eof) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Read r && java.util.Arrays.equals(bytes, r.bytes) && eof == r.eof;
        }

        @Override
        public String toString() {
            return bytes.length + " bytes" + (eof ? " then EOF" : "");
        }
    }

    private static Read read(BlobStore from, String name, long offset, long length) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = from.get(name, offset, length)) {
            byte[] buffer = new byte[1000];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (EOFException e) {
            return new Read(out.toByteArray(), true);
        }
        return new Read(out.toByteArray(), false);
    }

    private static byte[] readAll(BlobStore from, String name) throws IOException {
        try (InputStream in = from.get(name)) {
            return in.readAllBytes();
        }
    }

    private PackCache cache(long maxBytes) throws IOException {
        return new PackCache(store, cacheDir, maxBytes);
    }

    @Test
    void rangedReadsOfAFetchedPackAreTheStoresAndKeepItsEofContract() throws IOException {
        int size = 50_000;
        String pack = putPack(size, 1);
        PackCache cache = cache(1 << 20);
        assertEquals(size, cache.fetch(pack, size));
        assertEquals(0, cache.fetch(pack, size), "cached already");
        assertEquals(size, cache.cachedBytes());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cacheDir)));
        assertArrayEquals(readAll(store, pack), readAll(cache, pack));
        long[][] ranges = {{0, size}, {0, 1}, {123, 4567}, {size - 10, 10}, {size - 10, 20}, {size - 1, 1},
            {size, 1}, {size, 0}, {size + 5, 3}, {size + 5, 0}, {0, size + 1}, {0, 0}};
        for (long[] range : ranges) {
            Read expected = read(store, pack, range[0], range[1]);
            assertEquals(expected, read(cache, pack, range[0], range[1]), "range " + range[0] + "+" + range[1]);
        }
        assertTrue(read(cache, pack, size - 10, 20).eof());
        assertTrue(read(cache, pack, size, 1).eof());
        assertThrows(IllegalArgumentException.class, () -> cache.get(pack, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> cache.get(pack, 0, -1));
        assertEquals(store.name(), cache.name());
    }

    @Test
    void aFetchedPackIsServedAfterTheStoreLostItAndDeleteThroughTheCacheDropsIt() throws IOException {
        String pack = putPack(10_000, 2);
        byte[] original = readAll(store, pack);
        PackCache cache = cache(1 << 20);
        cache.fetch(pack, 10_000);
        store.delete(pack);
        assertArrayEquals(original, readAll(cache, pack));
        assertArrayEquals(java.util.Arrays.copyOfRange(original, 100, 300), read(cache, pack, 100, 200).bytes());
        assertTrue(cache.stat(pack).isEmpty(), "stat asks the store");

        String other = putPack(1000, 3);
        cache.fetch(other, 1000);
        cache.delete(other);
        assertTrue(store.stat(other).isEmpty());
        assertThrows(NoSuchFileException.class, () -> readAll(cache, other));
        cache.forget(pack);
        assertEquals(0, cache.cachedBytes());
        assertThrows(NoSuchFileException.class, () -> read(cache, pack, 0, 1));
    }

    @Test
    void theLeastRecentlyReadPacksAreEvictedFirst() throws IOException {
        String a = putPack(4000, 4);
        String b = putPack(4000, 5);
        String c = putPack(4000, 6);
        PackCache cache = cache(9000);
        cache.fetch(a, 4000);
        cache.fetch(b, 4000);
        // a was fetched first but is read now: b is the one not used for longest
        Instant old = Instant.now().minus(Duration.ofHours(1));
        setModified(a, old);
        setModified(b, old.plusSeconds(60));
        read(cache, a, 0, 10);
        cache.fetch(c, 4000);
        assertEquals(8000, cache.cachedBytes());
        assertTrue(cached(a));
        assertFalse(cached(b));
        assertTrue(cached(c));

        // the pack just fetched stays even when it alone is over the bound
        String big = putPack(20_000, 7);
        assertEquals(20_000, cache.fetch(big, 20_000));
        assertTrue(cached(big));
        assertEquals(20_000, cache.cachedBytes());

        cache.forget(big);
        cache.forget(a);
        assertEquals(0, cache.cachedBytes());
    }

    private void setModified(String pack, Instant when) throws IOException {
        Files.setLastModifiedTime(cacheDir.resolve(pack.substring(PackWriter.PREFIX.length())), FileTime.from(when));
    }

    private boolean cached(String pack) {
        return Files.exists(cacheDir.resolve(pack.substring(PackWriter.PREFIX.length())));
    }

    @Test
    void aBoundOfZeroTurnsTheCacheOff() throws IOException {
        String pack = putPack(1000, 8);
        PackCache cache = cache(0);
        assertEquals(0, cache.fetch(pack, 1000));
        assertEquals(0, cache.cachedBytes());
        try (var files = Files.list(cacheDir)) {
            assertEquals(0, files.count());
        }
        assertArrayEquals(readAll(store, pack), readAll(cache, pack), "reads still reach the store");
    }

    @Test
    void leftoverTempFilesOfAKilledDownloadAreRemovedAtOpen() throws IOException {
        String pack = putPack(1000, 9);
        cache(1 << 20).fetch(pack, 1000);
        Path leftover = cacheDir.resolve(PackCache.TEMP_PREFIX + UUID.randomUUID());
        Files.write(leftover, new byte[500]);
        PackCache reopened = cache(1 << 20);
        assertFalse(Files.exists(leftover));
        assertEquals(1000, reopened.cachedBytes(), "the cached pack survives a restart");
        assertEquals(0, reopened.fetch(pack, 1000));
    }

    @Test
    void namesThatAreNotOnePackSegmentAreRefused() throws IOException {
        PackCache cache = cache(1 << 20);
        for (String bad : List.of("packs/../manifests/x", "manifests/c/1.json", "packs/a/b", "packs/", "packs/.tmp-x",
                "packs/-x", "x", "/packs/x", "packs/a..b")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cache.fetch(bad, 1));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> cache.forget(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> cache.fetch(null, 1));
    }

    @Test
    void aDownloadOfTheWrongLengthIsDiscarded() throws IOException {
        String pack = putPack(3000, 10);
        PackCache cache = cache(1 << 20);
        for (long size : new long[] {2999, 3001, 0}) {
            IOException e = assertThrows(IOException.class, () -> cache.fetch(pack, size));
            assertTrue(e.getMessage().contains(pack), e.getMessage());
            try (var files = Files.list(cacheDir)) {
                assertEquals(0, files.count(), "nothing kept, not even a temp file");
            }
        }
        assertThrows(NoSuchFileException.class, () -> cache.fetch(PackWriter.blobName("missing"), 10));
        assertEquals(3000, cache.fetch(pack, 3000));
    }

    private CheckpointRepository repository(BlobStore over, String node) {
        CheckpointRepository repository = new CheckpointRepository(over, RepositorySettings.defaults()
                .withPackTargetBytes(RepositorySettings.MIN_PACK_TARGET_BYTES).withGcGrace(Duration.ZERO),
                temp.resolve("node-" + node).resolve("chunks.db"));
        repositories.add(repository);
        return repository;
    }

    private Path image() throws IOException {
        Path dir = ImageFixtures.memoryImageDir(temp.resolve("image"), 200, 11);
        ImageFixtures.writeRandom(dir.resolve("core-1.img"), 300_000, new SplittableRandom(12));
        ImageFixtures.writeText(dir.resolve("pagemap-1.img"), "pagemap", "rw-------");
        return dir;
    }

    @Test
    void packsOfAVersionAreExactlyTheOnesItWroteWithTheirSizes() throws IOException {
        CheckpointRepository repository = repository(store, "a");
        long version = repository.checkpoint("c1", "web", image(), Map.of(), ProgressListener.NONE).version();
        Map<String, Long> expected = new TreeMap<>();
        for (BlobInfo info : store.list(PackWriter.PREFIX)) {
            expected.put(info.name(), info.length());
        }
        assertTrue(expected.size() > 2, "several packs: " + expected);
        assertEquals(expected, repository.packs("c1", version));
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(repository.packs("c1", version).keySet()));

        String gone = expected.keySet().iterator().next();
        store.delete(gone);
        CheckpointCorruptException e = assertThrows(CheckpointCorruptException.class,
                () -> repository.packs("c1", version));
        assertTrue(e.getMessage().contains(gone), e.getMessage());
        assertThrows(CheckpointNotFoundException.class, () -> repository.packs("c1", version + 1));
    }

    @Test
    void aRestoreThroughTheCacheNeedsNoPackLeftInTheStore() throws IOException {
        Path image = image();
        long version = repository(store, "source").checkpoint("c1", "web", image, Map.of(), ProgressListener.NONE)
                .version();
        PackCache cache = cache(64L << 20);
        CheckpointRepository target = repository(cache, "target");
        Map<String, Long> packs = target.packs("c1", version);
        long fetched = 0;
        for (Map.Entry<String, Long> pack : packs.entrySet()) {
            fetched += cache.fetch(pack.getKey(), pack.getValue());
        }
        assertEquals(packs.values().stream().mapToLong(Long::longValue).sum(), fetched);
        for (String pack : packs.keySet()) {
            store.delete(pack);
        }
        assertTrue(store.list(PackWriter.PREFIX).isEmpty());
        Path restored = temp.resolve("restored");
        target.restore("c1", version, restored, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, restored);
    }

    @Test
    void aDamagedCachedPackFailsTheRestoreUntilItIsForgotten() throws IOException {
        Path image = image();
        long version = repository(store, "source").checkpoint("c1", "web", image, Map.of(), ProgressListener.NONE)
                .version();
        PackCache cache = cache(64L << 20);
        CheckpointRepository target = repository(cache, "target");
        Map<String, Long> packs = target.packs("c1", version);
        for (Map.Entry<String, Long> pack : packs.entrySet()) {
            cache.fetch(pack.getKey(), pack.getValue());
        }
        String damaged = packs.keySet().iterator().next();
        Path file = cacheDir.resolve(damaged.substring(PackWriter.PREFIX.length()));
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(file, bytes);
        assertThrows(CheckpointCorruptException.class,
                () -> target.restore("c1", version, temp.resolve("bad"), ProgressListener.NONE));
        assertFalse(Files.exists(temp.resolve("bad")));
        cache.forget(damaged);
        Path restored = temp.resolve("restored");
        target.restore("c1", version, restored, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, restored);
    }
}
