package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/** Page images stored by page (format 2) against the real local-directory store, with real files. */
class PageImageRepositoryTest {
    private static final int PAGE = ImageFixtures.PAGE;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;
    private Path storeRoot;
    private BlobStore store;
    private final List<CheckpointRepository> repositories = new ArrayList<>();

    @BeforeEach
    void openStore() throws IOException {
        storeRoot = temp.resolve("store");
        store = new FsBlobStore(storeRoot);
    }

    @AfterEach
    void close() throws IOException {
        repositories.forEach(CheckpointRepository::close);
        store.close();
    }

    private CheckpointRepository repository(RepositorySettings settings, String node) {
        CheckpointRepository repository = new CheckpointRepository(store, settings,
                temp.resolve("node-" + node).resolve("chunks.db"));
        repositories.add(repository);
        return repository;
    }

    private CheckpointRepository repository() {
        return repository(RepositorySettings.defaults().withGcGrace(Duration.ZERO), "a");
    }

    /** A CRIU-like image: incompressible memory in pages-1.img, its pagemap, a core file. */
    private Path image(String name, int pages, long seed) throws IOException {
        Path dir = temp.resolve(name);
        ImageFixtures.writeRandom(dir.resolve("pages-1.img"), (long) pages * PAGE, new SplittableRandom(seed));
        ImageFixtures.writeText(dir.resolve("pagemap-1.img"), "pagemap of " + pages + " pages", "rw-------");
        ImageFixtures.writeText(dir.resolve("core-1.img"), "core " + seed, "rw-------");
        return dir;
    }

    /** Rewrites pages {@code [first, first+count)} of a page image with fresh random bytes. */
    private static void dirty(Path file, long first, int count, SplittableRandom random) throws IOException {
        byte[] bytes = new byte[count * PAGE];
        random.nextBytes(bytes);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long position = first * PAGE;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        }
    }

    /** Exactly {@code fraction} of the pages rewritten, as distinct runs of {@code runPages} at random places. */
    private static void dirtyFraction(Path file, int pages, double fraction, int runPages, SplittableRandom random)
            throws IOException {
        int slots = pages / runPages;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < slots; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new java.util.Random(random.nextLong()));
        int runs = (int) Math.round(pages * fraction / runPages);
        for (int i = 0; i < runs; i++) {
            dirty(file, (long) order.get(i) * runPages, runPages, random);
        }
    }

    private Path restore(CheckpointRepository repository, String id, long version) throws IOException {
        Path target = temp.resolve("restored").resolve(id + "-" + version + "-" + System.nanoTime());
        repository.restore(id, version, target, ProgressListener.NONE);
        return target;
    }


    /** Ten versions at 5% dirtied between checkpoints; what they cost the store against one full image. */
    private double tenVersionsRatio(int runPages, boolean byPage) throws IOException {
        int pages = 8192; // 32 MiB
        Path image = image("ratio-" + runPages + "-" + byPage, pages, 7);
        CheckpointRepository repository = repository(RepositorySettings.defaults().withPageImages(byPage),
                "ratio-" + runPages + "-" + byPage);
        SplittableRandom random = new SplittableRandom(42);
        String id = "web-" + runPages + "-" + byPage;
        long moved = 0;
        Path middle = null;
        for (int version = 1; version <= 10; version++) {
            if (version > 1) {
                dirtyFraction(image.resolve("pages-1.img"), pages, 0.05, runPages, random);
            }
            CommitResult result = repository.checkpoint(id, id, image, Map.of(), ProgressListener.NONE);
            assertEquals(version, result.version());
            moved += result.bytesMoved();
            if (version == 5) {
                middle = ImageFixtures.copyDir(image, temp.resolve("v5-" + runPages + "-" + byPage));
            }
        }
        ImageFixtures.assertSameTree(image, restore(repository, id, 10));
        ImageFixtures.assertSameTree(middle, restore(repository, id, 5));
        return (double) moved / ((long) pages * PAGE);
    }

    @Test
    void tenVersionsDirtiedAt5PercentIn64KiBRunsStayWithin1point5TimesOneImage() throws IOException {
        double byPage = tenVersionsRatio(16, true);
        double chunked = tenVersionsRatio(16, false);
        System.out.printf("64 KiB runs: by page %.3fx, content-defined chunks %.3fx of one image%n", byPage, chunked);
        assertTrue(byPage <= 1.5, "ten versions take " + byPage + "x one image");
        assertTrue(byPage < chunked, "by page (" + byPage + "x) beats chunks (" + chunked + "x)");
    }

    @Test
    void tenVersionsDirtiedAt5PercentAsScattered4KiBPagesStayWithin1point5TimesOneImage() throws IOException {
        double byPage = tenVersionsRatio(1, true);
        System.out.printf("4 KiB pages: by page %.3fx of one image%n", byPage);
        assertTrue(byPage <= 1.5, "ten versions take " + byPage + "x one image");
    }

    @Test
    void nothingChangedStoresNoPageAndEveryPageChangedRestoresIdentically() throws IOException {
        int pages = 1024;
        Path image = image("same", pages, 3);
        CheckpointRepository repository = repository();
        CommitResult first = repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        CommitResult same = repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        assertEquals(0, same.storedBytes(), "an unchanged image stores nothing: " + same);
        assertTrue(same.bytesMoved() < first.bytesMoved() / 50, "only a manifest moves: " + same);
        ImageFixtures.assertSameTree(image, restore(repository, "web", 2));

        SplittableRandom random = new SplittableRandom(9);
        for (int v = 3; v <= 5; v++) {
            dirty(image.resolve("pages-1.img"), 0, pages, random);
            CommitResult all = repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            assertTrue(all.storedBytes() >= (long) pages * PAGE, "every page is new: " + all);
            ImageFixtures.assertSameTree(image, restore(repository, "web", v));
        }
        assertEquals(Manifest.FORMAT, repository.manifest("web", 5).format());
    }

    @Test
    void manyPageImagesWithHolesAndRepeatedPagesRestoreIdentically() throws IOException {
        Path image = temp.resolve("vmas");
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 1; n <= 6; n++) {
            // Zero stretches (untouched pages), repeated pages and unique ones, as many small VMAs give.
            int pages = 64 * n + n;
            byte[] bytes = new byte[pages * PAGE];
            for (int p = 0; p < pages; p++) {
                if (p % 7 == 3) {
                    continue; // a zero page
                }
                if (p % 5 == 1) {
                    java.util.Arrays.fill(bytes, p * PAGE, (p + 1) * PAGE, (byte) 0x5a); // the same page, often
                    continue;
                }
                byte[] unique = new byte[PAGE];
                random.nextBytes(unique);
                System.arraycopy(unique, 0, bytes, p * PAGE, PAGE);
            }
            Files.createDirectories(image);
            Files.write(image.resolve("pages-" + n + ".img"), bytes);
            ImageFixtures.writeText(image.resolve("pagemap-" + n + ".img"), "vmas " + n, "rw-------");
        }
        // Not whole pages: stays content-defined chunks.
        ImageFixtures.writeText(image.resolve("pages-99.img"), "odd", "rw-------");
        CheckpointRepository repository = repository();
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        Manifest manifest = repository.manifest("web", 1);
        for (ManifestFile file : manifest.files()) {
            assertEquals(file.path().matches("pages-[1-6]\\.img"), file.byPage(), file.path());
        }
        ImageFixtures.assertSameTree(image, restore(repository, "web", 1));
        dirty(image.resolve("pages-3.img"), 10, 3, random);
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, restore(repository, "web", 2));
    }

    @Test
    void anotherNodeRestoringAVersionCheckpointsOnlyWhatChangedAfterwards() throws IOException {
        int pages = 2048;
        Path image = image("moved", pages, 5);
        repository().checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        CheckpointRepository other = repository(RepositorySettings.defaults(), "b");
        ImageFixtures.assertSameTree(image, restore(other, "web", 1));
        dirty(image.resolve("pages-1.img"), 100, 20, new SplittableRandom(1));
        CommitResult next = other.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        assertTrue(next.storedBytes() <= 20L * PAGE + 4096, "only the 20 changed pages are stored: " + next);
        ImageFixtures.assertSameTree(image, restore(other, "web", 2));
    }

    /** Two versions, the second with a few changed pages; returns the second's page image entry. */
    private ManifestFile twoVersions(CheckpointRepository repository, Path image) throws IOException {
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        dirty(image.resolve("pages-1.img"), 300, 8, new SplittableRandom(2));
        // The small files change too: only the page image refers to version 1's packs.
        Files.writeString(image.resolve("core-1.img"), "core of version 2");
        Files.writeString(image.resolve("pagemap-1.img"), "pagemap of version 2");
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        return pageImage(repository.manifest("web", 2));
    }

    private static ManifestFile pageImage(Manifest manifest) {
        return manifest.files().stream().filter(f -> f.path().equals("pages-1.img")).findFirst().orElseThrow();
    }

    private Path packFile(String pack) {
        return storeRoot.resolve(PackWriter.blobName(pack));
    }

    private CheckpointCorruptException assertRefused(CheckpointRepository repository, long version,
                                                     String... fragments) {
        Path target = temp.resolve("refused-" + System.nanoTime());
        CheckpointCorruptException refused = assertThrows(CheckpointCorruptException.class,
                () -> repository.restore("web", version, target, ProgressListener.NONE));
        for (String fragment : fragments) {
            assertTrue(refused.getMessage().contains(fragment), "'" + fragment + "' in: " + refused.getMessage());
        }
        assertFalse(Files.exists(target), "nothing at the target");
        return refused;
    }

    @Test
    void aFlippedByteInAPageRecordIsRefusedNamingVersionFileAndPage() throws IOException {
        CheckpointRepository repository = repository();
        Path image = image("flip", 1024, 4);
        ManifestFile file = twoVersions(repository, image);
        Set<String> firstPacks = new HashSet<>();
        pageImage(repository.manifest("web", 1)).chunks().forEach(c -> firstPacks.add(c.pack()));
        int slot = 0;
        while (firstPacks.contains(file.chunks().get(slot).pack())) {
            slot++;
        }
        ChunkRef record = file.chunks().get(slot);
        long page = file.pages().orElseThrow().firstFilePage(slot);
        assertEquals(300, page, "the record of version 2 holds the changed pages from 300 on");
        try (RandomAccessFile pack = new RandomAccessFile(packFile(record.pack()).toFile(), "rw")) {
            long position = record.offset() + ChunkCodec.HEADER_BYTES + 5000;
            pack.seek(position);
            int value = pack.read();
            pack.seek(position);
            pack.write(value ^ 0x01);
        }
        CheckpointCorruptException refused = assertRefused(repository, 2, "version 2 of container web: page 300 of"
                + " pages-1.img", "is corrupt (its pages do not hash to the record's name)");
        assertEquals(java.util.OptionalLong.of(300), refused.page());
    }

    @Test
    void aPageRunPointingPastItsPackIsRefusedNamingThePage() throws IOException {
        CheckpointRepository repository = repository();
        Path image = image("past", 1024, 4);
        twoVersions(repository, image);
        rewriteManifest(2, root -> {
            JsonNode chunks = fileNode(root, "pages-1.img").get("chunks");
            ObjectNode last = (ObjectNode) chunks.get(chunks.size() - 1);
            last.put("offset", last.get("offset").asLong() + (1L << 30));
        });
        Manifest manifest = repository.manifest("web", 2);
        ManifestFile file = pageImage(manifest);
        long page = file.pages().orElseThrow().firstFilePage(file.chunks().size() - 1);
        assertRefused(repository, 2, "page " + page + " of pages-1.img", "is truncated: pack packs/");
    }

    @Test
    void aPageOfADeletedVersionWhosePackIsGoneIsRefusedNamingThePage() throws IOException {
        CheckpointRepository repository = repository();
        Path image = image("gone", 1024, 4);
        ManifestFile file = twoVersions(repository, image);
        assertTrue(repository.delete("web", 1));
        // Garbage collection keeps the pack (version 2 refers to it); a store that lost it anyway:
        String inherited = pageImage(repository.manifest("web", 2)).chunks().get(0).pack();
        repository.collectGarbage();
        assertEquals(List.of(), repository.collectGarbage().removedPacks(), "version 2 still needs version 1's pages");
        Files.delete(packFile(inherited));
        // which page is named first depends on which record the restore fetches first from the lost pack
        CheckpointCorruptException refused = assertRefused(repository, 2, "version 2 of container web: page ",
                " of pages-1.img", "is missing: pack packs/" + inherited + " does not exist");
        assertTrue(refused.getMessage().matches("version 2 of container web: page \\d+ of pages-1\\.img .*"),
                refused.getMessage());
        assertFalse(file.chunks().isEmpty());
    }

    @Test
    void retentionRemovingMiddleVersionsKeepsEveryPageTheOthersNeed() throws IOException {
        int pages = 2048;
        Path image = image("chain", pages, 8);
        CheckpointRepository repository = repository();
        SplittableRandom random = new SplittableRandom(3);
        Map<Integer, Path> kept = new java.util.HashMap<>();
        for (int v = 1; v <= 6; v++) {
            if (v > 1) {
                dirtyFraction(image.resolve("pages-1.img"), pages, 0.1, 4, random);
            }
            repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            if (v == 1 || v == 6) {
                kept.put(v, ImageFixtures.copyDir(image, temp.resolve("kept-" + v)));
            }
        }
        for (long v = 2; v <= 5; v++) {
            assertTrue(repository.delete("web", v));
        }
        // Twice: a pack is a candidate first and goes at the next collection (the grace period is zero here).
        repository.collectGarbage();
        repository.collectGarbage();
        // Versions 1 and 6 restore byte for byte, from whatever packs survived.
        ImageFixtures.assertSameTree(kept.get(1), restore(repository, "web", 1));
        ImageFixtures.assertSameTree(kept.get(6), restore(repository, "web", 6));
        // A fresh node (no cache, no index) restores them too.
        CheckpointRepository fresh = repository(RepositorySettings.defaults(), "fresh");
        ImageFixtures.assertSameTree(kept.get(6), restore(fresh, "web", 6));
    }

    @Test
    void theNextCheckpointAfterItsParentWasDeletedStoresEveryPageAgain() throws IOException {
        Path image = image("orphan", 512, 6);
        CheckpointRepository repository = repository();
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        assertTrue(repository.delete("web", 1));
        repository.collectGarbage();
        CommitResult next = repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        assertTrue(next.storedBytes() >= 512L * PAGE, "nothing refers to the deleted version: " + next);
        ImageFixtures.assertSameTree(image, restore(repository, "web", 2));
    }

    @Test
    void aDamagedPageDigestCacheCostsOnlyDedupNeverCorrectness() throws IOException {
        Path image = image("cache", 512, 13);
        CheckpointRepository repository = repository();
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        Path cache = temp.resolve("node-a").resolve("page-digests").resolve("web");
        assertTrue(Files.size(cache) > 512L * 32, "the node keeps the version's page digests");
        byte[] bytes = Files.readAllBytes(cache);
        bytes[100] ^= 1;
        Files.write(cache, bytes);
        dirty(image.resolve("pages-1.img"), 0, 4, new SplittableRandom(1));
        CommitResult next = repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        // Without the cache the pages go in file order, so the unchanged 64-page records come out as in version 1 and
        // the chunk index finds them: the record holding the 4 changed pages is stored whole.
        assertEquals(PageImageUpload.PAGES_PER_RECORD * PAGE + ChunkCodec.HEADER_BYTES, next.storedBytes(),
                "a damaged cache is not used: " + next);
        ImageFixtures.assertSameTree(image, restore(repository, "web", 2));
        // Rewritten by that checkpoint: the one after dedups again.
        dirty(image.resolve("pages-1.img"), 0, 4, new SplittableRandom(2));
        CommitResult third = repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        assertTrue(third.storedBytes() <= 4L * PAGE + 100, "dedup is back: " + third);
        ImageFixtures.assertSameTree(image, restore(repository, "web", 3));
    }

    @Test
    void aFormat1ManifestStaysRestorableAndItsWholeFileHashIsChecked() throws IOException {
        Path image = image("legacy", 256, 12);
        CheckpointRepository repository = repository(RepositorySettings.defaults().withPageImages(false), "legacy");
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        Map<String, String> flat = new java.util.HashMap<>();
        for (String name : List.of("pages-1.img", "pagemap-1.img", "core-1.img")) {
            flat.put(name, Sha256.hex(Files.readAllBytes(image.resolve(name))));
        }
        rewriteManifest(1, root -> {
            root.put("format", 1);
            for (JsonNode file : root.get("files")) {
                ((ObjectNode) file).put("sha256", flat.get(file.get("path").asText()));
            }
        });
        assertEquals(1, repository.manifest("web", 1).format());
        ImageFixtures.assertSameTree(image, restore(repository, "web", 1));
        rewriteManifest(1, root -> ((ObjectNode) fileNode(root, "core-1.img")).put("sha256", "0".repeat(64)));
        assertRefused(repository, 1, "file core-1.img does not match its recorded size and SHA-256");
    }

    private void rewriteManifest(long version, Consumer<ObjectNode> change) throws IOException {
        String name = ManifestNames.blobName("web", version);
        ObjectNode root = (ObjectNode) JSON.readTree(Files.readAllBytes(storeRoot.resolve(name)));
        change.accept(root);
        byte[] json = JSON.writeValueAsBytes(root);
        store.put(name, new ByteArrayInputStream(json), json.length, false);
    }

    private static JsonNode fileNode(ObjectNode root, String path) {
        for (JsonNode file : root.get("files")) {
            if (file.get("path").asText().equals(path)) {
                return file;
            }
        }
        throw new AssertionError("no file " + path);
    }
}
