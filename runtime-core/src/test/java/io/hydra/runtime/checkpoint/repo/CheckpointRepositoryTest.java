package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/** The repository against the real local-directory store, with real files. */
class CheckpointRepositoryTest {
    private static final int PAGE = ImageFixtures.PAGE;
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
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
    void closeRepositories() throws IOException {
        repositories.forEach(CheckpointRepository::close);
        store.close();
    }

    private CheckpointRepository repository(BlobStore on, RepositorySettings settings) {
        CheckpointRepository repository = new CheckpointRepository(on, settings);
        repositories.add(repository);
        return repository;
    }

    private CheckpointRepository repository(RepositorySettings settings) {
        return repository(store, settings);
    }

    private static RepositorySettings noGrace() {
        return RepositorySettings.defaults().withGcGrace(Duration.ZERO);
    }

    @Test
    void aManifestDeletedBetweenTheListingAndItsReadIsNotListedAsIncomplete() throws Exception {
        CheckpointRepository writer = repository(noGrace());
        writer.checkpoint("c0ffee", "web", smallImage("img", 1), Map.of(), ProgressListener.NONE);
        // the listing still names version 2, which retention deleted before its manifest was read
        BlobStore racing = new ForwardingBlobStore(store) {
            @Override
            public List<io.hydra.spi.storage.BlobInfo> list(String prefix) throws IOException {
                List<io.hydra.spi.storage.BlobInfo> listed = new ArrayList<>(delegate.list(prefix));
                if (prefix.equals(ManifestNames.prefix("c0ffee"))) {
                    listed.add(new io.hydra.spi.storage.BlobInfo(ManifestNames.blobName("c0ffee", 2), 10,
                            java.time.Instant.now()));
                }
                return listed;
            }
        };
        List<CheckpointVersion> versions = repository(racing, noGrace()).versions("c0ffee");
        assertEquals(List.of(1L), versions.stream().map(CheckpointVersion::version).toList());
        assertTrue(versions.get(0).complete());
    }

    /** A small image: 2 MiB of memory pages (LZ4 compresses them), a config and an inventory. */
    private Path smallImage(String name, long seed) throws IOException {
        Path dir = temp.resolve(name);
        ImageFixtures.writeMemoryImage(dir.resolve("pages-1.img"), 512, new SplittableRandom(seed));
        ImageFixtures.writeText(dir.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"seed\":" + seed + "}",
                "rw-r--r--");
        ImageFixtures.writeText(dir.resolve("inventory.img"), "inventory " + seed, "rw-------");
        return dir;
    }

    private Path target(String name) {
        return temp.resolve("restored").resolve(name);
    }

    private CheckpointCorruptException assertRestoreRefused(CheckpointRepository repository, String containerId,
                                                            long version, String... fragments) throws IOException {
        Path target = target("refused-" + containerId + "-" + version + "-" + System.nanoTime());
        CheckpointCorruptException refused = assertThrows(CheckpointCorruptException.class,
                () -> repository.restore(containerId, version, target, ProgressListener.NONE));
        String message = refused.getMessage();
        assertTrue(message.startsWith("version " + version + " of container " + containerId + ": "), message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "'" + fragment + "' in: " + message);
        }
        assertFalse(Files.exists(target), "nothing at the target");
        if (Files.exists(target.getParent())) { // a refused manifest stops the restore before anything is created
            assertEquals(List.of(), ImageFixtures.entriesStartingWith(target.getParent(),
                    "." + target.getFileName() + ".restore-"), "no temporary directory left");
        }
        return refused;
    }

    private Set<String> packsOf(Manifest manifest) {
        return manifest.files().stream().flatMap(f -> f.chunks().stream()).map(ChunkRef::pack)
                .collect(Collectors.toSet());
    }

    private Set<String> packsInStore() throws IOException {
        return store.list("packs/").stream().map(info -> info.name().substring("packs/".length()))
                .collect(Collectors.toSet());
    }

    private ChunkRef firstChunk(Manifest manifest, String path) {
        return manifest.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow().chunks().get(0);
    }

    private Path packFile(String pack) {
        return storeRoot.resolve("packs").resolve(pack);
    }

    private void rewriteManifest(String containerId, long version, java.util.function.Consumer<ObjectNode> edit)
            throws IOException {
        String name = ManifestNames.blobName(containerId, version);
        ObjectNode root;
        try (var in = store.get(name)) {
            root = (ObjectNode) JSON.readTree(in);
        }
        edit.accept(root);
        putRaw(name, JSON.writeValueAsBytes(root));
    }

    private static ObjectNode fileNode(ObjectNode root, String path) {
        for (var file : root.get("files")) {
            if (file.get("path").asText().equals(path)) {
                return (ObjectNode) file;
            }
        }
        throw new AssertionError("no file " + path + " in the manifest");
    }

    private void putRaw(String name, byte[] bytes) throws IOException {
        store.put(name, new ByteArrayInputStream(bytes), bytes.length, false);
    }

    @Test
    void roundTripKeepsBytesModesAndSubdirectories() throws IOException {
        Path image = temp.resolve("image");
        ImageFixtures.writeRandom(image.resolve("pages-1.img"), 48L << 20, new SplittableRandom(7));
        ImageFixtures.writeMemoryImage(image.resolve("pages-2.img"), 100, new SplittableRandom(8));
        ImageFixtures.writeText(image.resolve("config.json"), "{\"process\":{\"args\":[\"sh\"]}}", "rw-r--r--");
        ImageFixtures.writeText(image.resolve("core-1.img"), "core", "rw-------");
        ImageFixtures.writeText(image.resolve("run.sh"), "#!/bin/sh\n", "rwxr-x---");
        ImageFixtures.writeText(image.resolve("empty.img"), "", "r--------");
        ImageFixtures.writeText(image.resolve("sub/dir/fdinfo-2.img"), "fd", "rw-r-----");
        ImageFixtures.writeRandom(image.resolve("sub/tmpfs-dev-1.tar.gz"), 300_000, new SplittableRandom(9));
        long logical = 0;
        for (Path file : ImageFixtures.files(image)) {
            logical += Files.size(image.resolve(file));
        }

        CheckpointRepository repository = repository(RepositorySettings.defaults());
        ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        CommitResult first = repository.checkpoint("c0ffee", "web", image, Map.of("frozenMs", "120", "node", "n1"),
                (phase, done, total) -> events.add(phase + " " + done + "/" + total));
        assertEquals(1, first.version());
        assertEquals(logical, first.logicalBytes());
        assertTrue(first.storedBytes() >= 48L << 20, "random pages are stored raw: " + first.storedBytes());
        assertTrue(first.bytesMoved() > first.storedBytes(), "packs plus manifest");
        assertEquals(first.chunks(), first.newChunks());
        assertTrue(events.contains("UPLOADING " + logical + "/" + logical), events.toString());
        assertTrue(events.contains("DONE " + logical + "/" + logical), events.toString());
        System.out.printf("round trip: %d MiB in %d ms, %d chunks, %d packs%n", logical >> 20,
                first.duration().toMillis(), first.chunks(), packsInStore().size());

        List<CheckpointVersion> versions = repository.versions("c0ffee");
        assertEquals(1, versions.size());
        CheckpointVersion listed = versions.get(0);
        assertEquals("web", listed.containerName());
        assertEquals(Map.of("frozenMs", "120", "node", "n1"), listed.metadata());
        assertEquals(logical, listed.logicalBytes());
        assertEquals(first.storedBytes(), listed.storedBytes());
        assertTrue(listed.complete());

        Path target = target("web");
        events.clear();
        RestoreResult restored = repository.restore("c0ffee", 1, target,
                (phase, done, total) -> events.add(phase + " " + done + "/" + total));
        ImageFixtures.assertSameTree(image, target);
        assertEquals(logical, restored.logicalBytes());
        assertEquals(8, restored.files());
        assertTrue(events.contains("DOWNLOADING " + logical + "/" + logical), events.toString());
        assertEquals(List.of("web"), ImageFixtures.entriesStartingWith(target.getParent(), ""));
        System.out.printf("round trip: restored in %d ms%n", restored.duration().toMillis());

        // Unchanged image: nothing new is stored, and the target must not exist.
        CommitResult second = repository.checkpoint("c0ffee", "web", image, Map.of(), ProgressListener.NONE);
        assertEquals(2, second.version());
        assertEquals(0, second.storedBytes());
        assertEquals(0, second.newChunks());
        assertEquals(2, repository.latest("c0ffee").orElseThrow().version());
        assertThrows(FileAlreadyExistsException.class,
                () -> repository.restore("c0ffee", 2, target, ProgressListener.NONE));
        assertThrows(CheckpointNotFoundException.class,
                () -> repository.restore("c0ffee", 3, target("none"), ProgressListener.NONE));
    }

    @Test
    void tenVersionsWithFivePercentOfPagesDirtiedTakeAtMostOneAndAHalfFullVersions() throws IOException {
        int pages = 32768; // 128 MiB
        Path image = temp.resolve("memory");
        SplittableRandom random = new SplittableRandom(42);
        Path pagesFile = ImageFixtures.writeMemoryImage(image.resolve("pages-1.img"), pages, random);
        ImageFixtures.writeText(image.resolve("inventory.img"), "inventory", "rw-------");
        CheckpointRepository repository = repository(RepositorySettings.defaults());

        List<Long> stored = new ArrayList<>();
        long started = System.nanoTime();
        for (int version = 1; version <= 10; version++) {
            if (version > 1) {
                dirtyFivePercent(pagesFile, pages, random);
                ImageFixtures.writeText(image.resolve("inventory.img"), "inventory " + version, "rw-------");
            }
            CommitResult result = repository.checkpoint("mem", "mem", image, Map.of(), ProgressListener.NONE);
            assertEquals(version, result.version());
            stored.add(result.storedBytes());
        }
        long total = stored.stream().mapToLong(Long::longValue).sum();
        double ratio = (double) total / stored.get(0);
        System.out.printf("dedup: 10 versions of a 128 MiB image, 5%% of pages dirtied per version in runs:"
                        + " full version %.1f MiB stored, all ten %.1f MiB = %.3fx; per version %s; %d ms%n",
                stored.get(0) / 1048576.0, total / 1048576.0, ratio,
                stored.stream().map(s -> String.format("%.2f", s / 1048576.0)).toList(),
                (System.nanoTime() - started) / 1_000_000);
        assertTrue(ratio <= 1.5, "ten versions take " + ratio + "x one full version");

        Path target = target("mem");
        repository.restore("mem", 10, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
    }

    /**
     * Dirties 5% of the pages the way a process does: in runs, here 64 to 1024 pages (256 KiB to 4 MiB: heap
     * regions, arenas), at random places.
     */
    private static void dirtyFivePercent(Path file, int pages, SplittableRandom random) throws IOException {
        int budget = pages / 20;
        while (budget > 0) {
            int run = Math.min(budget, 64 + random.nextInt(961));
            int first = random.nextInt(pages - run);
            ImageFixtures.rewritePages(file, first, run, random);
            budget -= run;
        }
    }

    @Test
    void aFileGrownByPagesInsertedInTheMiddleStillDedups() throws IOException {
        Path image = temp.resolve("grow");
        Path pagesFile = ImageFixtures.writeMemoryImage(image.resolve("pages-1.img"), 8192, new SplittableRandom(3));
        CheckpointRepository repository = repository(RepositorySettings.defaults());
        CommitResult first = repository.checkpoint("grow", "grow", image, Map.of(), ProgressListener.NONE);

        byte[] original = Files.readAllBytes(pagesFile);
        Path inserted = ImageFixtures.writeMemoryImage(temp.resolve("insert.img"), 256, new SplittableRandom(4));
        int at = 3001 * PAGE;
        try (var out = Files.newOutputStream(pagesFile)) {
            out.write(original, 0, at);
            out.write(Files.readAllBytes(inserted));
            out.write(original, at, original.length - at);
        }
        CommitResult second = repository.checkpoint("grow", "grow", image, Map.of(), ProgressListener.NONE);
        System.out.printf("growth: 1 MiB inserted into 32 MiB: first %.2f MiB stored, second %.2f MiB (%d of %d"
                        + " chunks new)%n", first.storedBytes() / 1048576.0, second.storedBytes() / 1048576.0,
                second.newChunks(), second.chunks());
        // The inserted MiB compresses to about half; allow the chunks around the two edges on top.
        assertTrue(second.storedBytes() < (1 << 20) + 4 * Chunker.MAX_CHUNK, "stored " + second.storedBytes());
        Path target = target("grow");
        repository.restore("grow", 2, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
    }

    @Test
    void anUploadFailingMidwayLeavesNoVersionAndNoPacks_withFailingStore() throws IOException {
        RepositorySettings smallPacks = RepositorySettings.defaults().withPackTargetBytes(256 * 1024);
        Path image = smallImage("image", 1);
        repository(smallPacks).checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        Set<String> packsOfFirst = packsInStore();

        Path changed = smallImage("changed", 2);
        CheckpointRepository failing = repository(new FailingBlobStore(store, 2, false), smallPacks);
        IOException failure = assertThrows(IOException.class,
                () -> failing.checkpoint("web", "web", changed, Map.of(), ProgressListener.NONE));
        assertTrue(failure.getMessage().contains("injected failure"), failure.getMessage());

        CheckpointRepository fresh = repository(smallPacks);
        assertEquals(List.of(1L), fresh.versions("web").stream().map(CheckpointVersion::version).toList());
        assertEquals(1, fresh.latest("web").orElseThrow().version());
        assertEquals(packsOfFirst, packsInStore(), "the failed upload deleted the packs it had stored");
        Path target = target("web");
        fresh.restore("web", 1, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
    }

    @Test
    void aCrashMidUploadLeavesOnlyUnreferencedPacksThatGcRemoves_withFailingStore() throws IOException {
        RepositorySettings smallPacks = noGrace().withPackTargetBytes(256 * 1024);
        Path image = smallImage("image", 1);
        repository(smallPacks).checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        Set<String> packsOfFirst = packsInStore();

        // Deletes fail too: like a process that dies, this upload cleans nothing up.
        CheckpointRepository crashing = repository(new FailingBlobStore(store, 3, true), smallPacks);
        assertThrows(IOException.class, () -> crashing.checkpoint("web", "web", smallImage("changed", 2), Map.of(),
                ProgressListener.NONE));
        Set<String> orphans = new HashSet<>(packsInStore());
        orphans.removeAll(packsOfFirst);
        assertFalse(orphans.isEmpty(), "the crashed upload left packs");

        CheckpointRepository restarted = repository(smallPacks);
        assertEquals(List.of(1L), restarted.versions("web").stream().map(CheckpointVersion::version).toList());
        GcReport report = restarted.collectGarbage();
        assertEquals(orphans, Set.copyOf(report.removedPacks()));
        assertEquals(packsOfFirst, packsInStore());
        Path target = target("web");
        restarted.restore("web", 1, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
    }

    @Test
    void corruptedPackBytesAreRefused() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults().withPageImages(false));
        repository.checkpoint("web", "web", smallImage("image", 1), Map.of(), ProgressListener.NONE);
        ChunkRef chunk = firstChunk(repository.manifest("web", 1), "pages-1.img");
        try (RandomAccessFile file = new RandomAccessFile(packFile(chunk.pack()).toFile(), "rw")) {
            long position = chunk.offset() + chunk.storedLength() - 10;
            file.seek(position);
            int value = file.read();
            file.seek(position);
            file.write(value ^ 0x55);
        }
        CheckpointCorruptException refused = assertRestoreRefused(repository, "web", 1,
                "chunk " + chunk.sha256().substring(0, 12) + "… of pages-1.img ");
        assertEquals(Optional.of("pages-1.img"), refused.file());
        assertEquals(Optional.of(chunk.sha256()), refused.chunkSha256());
        // Either the LZ4 stream no longer decodes or the bytes no longer hash right; both name the chunk.
        assertTrue(refused.getMessage().contains("SHA-256 mismatch") || refused.getMessage().contains("LZ4"),
                refused.getMessage());
    }

    @Test
    void flippedRawBytesFailTheChunkHash() throws IOException {
        Path image = temp.resolve("raw");
        ImageFixtures.writeRandom(image.resolve("pages-1.img"), 1 << 20, new SplittableRandom(5));
        CheckpointRepository repository = repository(RepositorySettings.defaults().withPageImages(false));
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        ChunkRef chunk = firstChunk(repository.manifest("web", 1), "pages-1.img");
        try (RandomAccessFile file = new RandomAccessFile(packFile(chunk.pack()).toFile(), "rw")) {
            file.seek(chunk.offset() + ChunkCodec.HEADER_BYTES + 100);
            file.write(0);
            file.write(1);
        }
        assertRestoreRefused(repository, "web", 1, "chunk " + Sha256.abbreviate(chunk.sha256()) + " of pages-1.img"
                + " is corrupt (SHA-256 mismatch)");
    }

    @Test
    void aTruncatedPackIsRefused() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults().withPageImages(false));
        repository.checkpoint("web", "web", smallImage("image", 1), Map.of(), ProgressListener.NONE);
        Manifest manifest = repository.manifest("web", 1);
        ChunkRef last = manifest.files().stream().flatMap(f -> f.chunks().stream())
                .max((a, b) -> Long.compare(a.offset(), b.offset())).orElseThrow();
        String file = manifest.files().stream().filter(f -> f.chunks().contains(last)).findFirst().orElseThrow()
                .path();
        try (FileChannel channel = FileChannel.open(packFile(last.pack()), StandardOpenOption.WRITE)) {
            channel.truncate(last.offset() + last.storedLength() / 2);
        }
        assertRestoreRefused(repository, "web", 1, "chunk " + Sha256.abbreviate(last.sha256()) + " of " + file,
                "is truncated");
    }

    @Test
    void aMissingPackIsRefused() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults());
        repository.checkpoint("web", "web", smallImage("image", 1), Map.of(), ProgressListener.NONE);
        ChunkRef chunk = firstChunk(repository.manifest("web", 1), "config.json");
        Files.delete(packFile(chunk.pack()));
        assertRestoreRefused(repository, "web", 1, "is missing: pack packs/" + chunk.pack() + " does not exist");
    }

    @Test
    void anLz4HeaderLyingAboutItsLengthIsRefused() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults().withPageImages(false));
        repository.checkpoint("web", "web", smallImage("image", 1), Map.of(), ProgressListener.NONE);
        ChunkRef chunk = firstChunk(repository.manifest("web", 1), "pages-1.img");
        assertTrue(chunk.storedLength() < chunk.plainLength(), "memory pages are LZ4-compressed");
        try (RandomAccessFile file = new RandomAccessFile(packFile(chunk.pack()).toFile(), "rw")) {
            file.seek(chunk.offset() + 8);
            file.writeInt(chunk.plainLength() * 4); // claims 4x the plain bytes the manifest records
        }
        assertRestoreRefused(repository, "web", 1, "chunk " + Sha256.abbreviate(chunk.sha256()) + " of pages-1.img",
                "LZ4 frame lies about its length: header says " + chunk.plainLength() * 4);
    }

    @Test
    void lz4DataExpandingBeyondTheManifestsLengthIsRefused() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults().withPageImages(false));
        repository.checkpoint("web", "web", smallImage("image", 1), Map.of(), ProgressListener.NONE);
        ChunkRef chunk = firstChunk(repository.manifest("web", 1), "pages-1.img");
        int claimed = chunk.plainLength() - PAGE;
        assertTrue(chunk.storedLength() <= ChunkCodec.HEADER_BYTES + claimed, "a record the manifest may claim");
        // Header and manifest agree on a page less; the LZ4 data still decodes to the full length.
        try (RandomAccessFile file = new RandomAccessFile(packFile(chunk.pack()).toFile(), "rw")) {
            file.seek(chunk.offset() + 8);
            file.writeInt(claimed);
        }
        rewriteManifest("web", 1, root -> {
            ObjectNode pages = fileNode(root, "pages-1.img");
            ((ObjectNode) pages.get("chunks").get(0)).put("plainLength", claimed);
            pages.put("size", pages.get("size").asLong() - PAGE);
            root.put("logicalBytes", root.get("logicalBytes").asLong() - PAGE);
        });
        assertRestoreRefused(repository, "web", 1, "chunk " + Sha256.abbreviate(chunk.sha256()) + " of pages-1.img",
                "LZ4 frame lies about its length");
    }

    @Test
    void aManifestOfAnotherContainerIsRefused() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults());
        repository.checkpoint("db", "db", smallImage("db", 1), Map.of(), ProgressListener.NONE);
        repository.checkpoint("web", "web", smallImage("web", 2), Map.of(), ProgressListener.NONE);
        try (var in = store.get(ManifestNames.blobName("db", 1))) {
            putRaw(ManifestNames.blobName("web", 3), in.readAllBytes());
        }
        assertRestoreRefused(repository, "web", 3, "it belongs to container db, not web");
        CheckpointVersion listed = repository.versions("web").get(1);
        assertEquals(3, listed.version());
        assertFalse(listed.complete());
        assertEquals(1, repository.latest("web").orElseThrow().version(), "latest skips the foreign manifest");
    }

    @Test
    void invalidManifestsAreRefused() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults());
        repository.checkpoint("web", "web", smallImage("image", 1), Map.of(), ProgressListener.NONE);
        byte[] good;
        try (var in = store.get(ManifestNames.blobName("web", 1))) {
            good = in.readAllBytes();
        }
        String json = new String(good, StandardCharsets.UTF_8);

        putRaw(ManifestNames.blobName("web", 1), "{\"format\":1,\"containerId\":".getBytes(StandardCharsets.UTF_8));
        assertRestoreRefused(repository, "web", 1, "manifest refused: not valid JSON");

        putRaw(ManifestNames.blobName("web", 1), json.replace("\"path\":\"config.json\"",
                "\"path\":\"../../etc/cron.d/x\"").getBytes(StandardCharsets.UTF_8));
        assertRestoreRefused(repository, "web", 1, "path '../../etc/cron.d/x' contains '..'");

        putRaw(ManifestNames.blobName("web", 1), json.replace("\"path\":\"config.json\"",
                "\"path\":\"/etc/passwd\"").getBytes(StandardCharsets.UTF_8));
        assertRestoreRefused(repository, "web", 1, "path '/etc/passwd' is absolute");

        putRaw(ManifestNames.blobName("web", 1), good);
        rewriteManifest("web", 1, root -> {
            ObjectNode chunk = (ObjectNode) fileNode(root, "pages-1.img").get("chunks").get(0);
            chunk.put("plainLength", 1L << 40);
            chunk.put("storedLength", 1L << 40);
        });
        assertRestoreRefused(repository, "web", 1, "plainLength is 1099511627776; it must be within 1..262144");

        putRaw(ManifestNames.blobName("web", 1), json.replaceFirst("\"storedLength\":\\d+",
                "\"storedLength\":2000000000").getBytes(StandardCharsets.UTF_8));
        assertRestoreRefused(repository, "web", 1, "storedLength is 2000000000");

        // The original manifest, put back, restores.
        putRaw(ManifestNames.blobName("web", 1), good);
        repository.restore("web", 1, target("web"), ProgressListener.NONE);
    }

    @Test
    void withAKeyAManifestWithAWrongOrMissingMacIsRefused() throws IOException {
        RepositorySettings keyed = RepositorySettings.defaults().withMacKey(KEY);
        CheckpointRepository repository = repository(keyed);
        Path image = smallImage("image", 1);
        repository.checkpoint("web", "web", image, Map.of("node", "n1"), ProgressListener.NONE);
        repository.checkpoint("web", "web", image, Map.of("node", "n1"), ProgressListener.NONE);

        rewriteManifest("web", 1, root -> ((ObjectNode) root.get("metadata")).put("node", "evil"));
        assertRestoreRefused(repository, "web", 1, "manifest refused: its MAC is wrong");

        rewriteManifest("web", 2, root -> root.remove("mac"));
        assertRestoreRefused(repository, "web", 2, "manifest refused: it has no MAC but a MAC key is configured");
        assertTrue(repository.latest("web").isEmpty(), "no version verifies");
        assertTrue(repository.versions("web").stream().noneMatch(CheckpointVersion::complete));

        // A manifest written without a key (another daemon, or an attacker) is refused as well.
        repository(RepositorySettings.defaults()).checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        assertRestoreRefused(repository, "web", 3, "no MAC");

        // A correctly keyed manifest restores; a key of the wrong size is refused up front.
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        Path target = target("web");
        repository.restore("web", 4, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
        assertThrows(IllegalArgumentException.class, () -> RepositorySettings.defaults().withMacKey(new byte[8]));
    }

    @Test
    void gcAfterKeepNewestRemovesExactlyTheUnreferencedPacks() throws IOException {
        RepositorySettings settings = noGrace().withPackTargetBytes(512 * 1024);
        CheckpointRepository repository = repository(settings);
        Path image = temp.resolve("gc");
        SplittableRandom random = new SplittableRandom(11);
        Path pagesFile = ImageFixtures.writeMemoryImage(image.resolve("pages-1.img"), 2048, random);
        List<Path> snapshots = new ArrayList<>();
        for (int version = 1; version <= 4; version++) {
            if (version > 1) {
                ImageFixtures.rewritePages(pagesFile, random.nextInt(1024), 600, random);
            }
            repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            Path snapshot = temp.resolve("snapshot-" + version);
            Files.createDirectories(snapshot);
            Files.copy(pagesFile, snapshot.resolve("pages-1.img"));
            snapshots.add(snapshot);
        }
        repository.checkpoint("other", "other", smallImage("other", 5), Map.of(), ProgressListener.NONE);

        Set<String> kept = new HashSet<>();
        Set<String> dropped = new HashSet<>();
        for (long version = 1; version <= 4; version++) {
            (version <= 2 ? dropped : kept).addAll(packsOf(repository.manifest("web", version)));
        }
        kept.addAll(packsOf(repository.manifest("other", 1)));
        dropped.removeAll(kept);
        assertFalse(dropped.isEmpty(), "versions 1 and 2 have packs of their own");
        long droppedBytes = 0;
        for (String pack : dropped) {
            droppedBytes += Files.size(packFile(pack));
        }

        assertEquals(List.of(1L, 2L), repository.keepNewest("web", 2));
        assertEquals(List.of(3L, 4L), repository.versions("web").stream().map(CheckpointVersion::version).toList());
        GcReport report = repository.collectGarbage();
        System.out.printf("gc: removed %d packs (%d bytes), kept %d%n", report.removedPacks().size(),
                report.removedBytes(), report.keptPacks());
        assertEquals(dropped, Set.copyOf(report.removedPacks()));
        assertEquals(droppedBytes, report.removedBytes());
        assertEquals(kept, packsInStore());
        assertEquals(kept.size(), report.keptPacks());
        assertEquals(List.of(), repository.collectGarbage().removedPacks(), "a second collection finds nothing");

        for (int version = 3; version <= 4; version++) {
            Path target = target("web-" + version);
            repository.restore("web", version, target, ProgressListener.NONE);
            ImageFixtures.assertSameTree(snapshots.get(version - 1), target);
        }
        repository.restore("other", 1, target("other"), ProgressListener.NONE);
        // Chunks of deleted versions are forgotten: a new version re-uploads them rather than point at deleted packs.
        Files.copy(snapshots.get(0).resolve("pages-1.img"), pagesFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
        Path target = target("web-5");
        repository.restore("web", 5, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(snapshots.get(0), target);
    }

    @Test
    void gcWaitsForAnUploadInThisProcessAndKeepsItsPacks() throws Exception {
        GatedBlobStore gated = new GatedBlobStore(store);
        CheckpointRepository repository = repository(gated, noGrace().withPackTargetBytes(256 * 1024));
        Path image = smallImage("image", 1);
        CompletableFuture<CommitResult> upload = CompletableFuture.supplyAsync(() -> {
            try {
                return repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(gated.manifestPutReached.await(30, TimeUnit.SECONDS));
        Set<String> uploadedPacks = packsInStore();
        assertFalse(uploadedPacks.isEmpty());

        CompletableFuture<GcReport> gc = CompletableFuture.supplyAsync(() -> {
            try {
                return repository.collectGarbage();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> gc.get(300, TimeUnit.MILLISECONDS),
                "garbage collection waits for the upload to commit");
        gated.gate.countDown();
        assertEquals(1, upload.get(30, TimeUnit.SECONDS).version());
        GcReport report = gc.get(30, TimeUnit.SECONDS);
        assertEquals(List.of(), report.removedPacks());
        assertEquals(uploadedPacks, packsInStore());
        Path target = target("web");
        repository.restore("web", 1, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
    }

    @Test
    void gcInAnotherProcessLeavesPacksOfAnUncommittedUploadAloneDuringTheGracePeriod() throws Exception {
        GatedBlobStore gated = new GatedBlobStore(store);
        CheckpointRepository uploader = repository(gated, RepositorySettings.defaults().withPackTargetBytes(256 * 1024));
        CheckpointRepository otherProcess = repository(RepositorySettings.defaults()); // 1 h grace
        Path image = smallImage("image", 1);
        CompletableFuture<CommitResult> upload = CompletableFuture.supplyAsync(() -> {
            try {
                return uploader.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(gated.manifestPutReached.await(30, TimeUnit.SECONDS));
        Set<String> uploadedPacks = packsInStore();

        GcReport report = otherProcess.collectGarbage();
        assertEquals(List.of(), report.removedPacks());
        assertEquals(uploadedPacks.size(), report.youngPacks(), "unreferenced but young");
        gated.gate.countDown();
        assertEquals(1, upload.get(30, TimeUnit.SECONDS).version());
        otherProcess.restore("web", 1, target("web"), ProgressListener.NONE);
    }

    @Test
    void concurrentWritersNeverShareAVersionNumber() throws Exception {
        GatedBlobStore gated = new GatedBlobStore(store);
        CheckpointRepository first = repository(gated, RepositorySettings.defaults());
        CheckpointRepository second = repository(RepositorySettings.defaults());
        Path imageA = smallImage("a", 1);
        Path imageB = smallImage("b", 2);
        CompletableFuture<CommitResult> held = CompletableFuture.supplyAsync(() -> {
            try {
                return first.checkpoint("web", "web", imageA, Map.of(), ProgressListener.NONE);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        // The first writer has chosen version 1 and waits; the second takes version 1 meanwhile.
        assertTrue(gated.manifestPutReached.await(30, TimeUnit.SECONDS));
        assertEquals(1, second.checkpoint("web", "web", imageB, Map.of(), ProgressListener.NONE).version());
        gated.gate.countDown();
        assertEquals(2, held.get(30, TimeUnit.SECONDS).version(), "the conditional create lost: next number");

        Path targetA = target("a");
        second.restore("web", 2, targetA, ProgressListener.NONE);
        ImageFixtures.assertSameTree(imageA, targetA);
        Path targetB = target("b");
        second.restore("web", 1, targetB, ProgressListener.NONE);
        ImageFixtures.assertSameTree(imageB, targetB);

        // Numbers never go back in a process, even when the newest version is deleted.
        assertTrue(second.delete("web", 2));
        assertFalse(second.delete("web", 2));
        assertEquals(3, first.checkpoint("web", "web", imageA, Map.of(), ProgressListener.NONE).version());
    }

    @Test
    void anUnreadableManifestIsListedWithItsProblemAndStopsGc() throws IOException {
        CheckpointRepository repository = repository(noGrace());
        repository.checkpoint("web", "web", smallImage("image", 1), Map.of(), ProgressListener.NONE);
        putRaw(ManifestNames.blobName("web", 2), "not json".getBytes(StandardCharsets.UTF_8));
        List<CheckpointVersion> versions = repository.versions("web");
        assertEquals(2, versions.size());
        assertTrue(versions.get(0).complete());
        assertTrue(versions.get(1).problem().orElseThrow().contains("not valid JSON"), versions.get(1).toString());
        assertEquals(1, repository.latest("web").orElseThrow().version());
        assertRestoreRefused(repository, "web", 2, "not valid JSON");

        IOException refused = assertThrows(IOException.class, repository::collectGarbage);
        assertTrue(refused.getMessage().contains("garbage collection refused")
                && refused.getMessage().contains(ManifestNames.blobName("web", 2)), refused.getMessage());
        // Retention never lets a broken newest manifest push out the good ones.
        assertEquals(List.of(), repository.keepNewest("web", 2));
        assertEquals(List.of(), repository.keepNewest("web", 1));
        assertTrue(repository.delete("web", 2));
        assertEquals(List.of(), repository.collectGarbage().removedPacks());
    }

    @Test
    void imageDirectoriesWithSymbolicLinksAndBadArgumentsAreRefused() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults());
        Path image = smallImage("image", 1);
        Files.createSymbolicLink(image.resolve("escape"), Path.of("/etc"));
        IOException refused = assertThrows(IOException.class,
                () -> repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE));
        assertTrue(refused.getMessage().contains("escape, which is a symbolic link"), refused.getMessage());
        assertEquals(List.of(), repository.versions("web"));
        assertEquals(Set.of(), packsInStore());

        Path clean = smallImage("clean", 2);
        assertThrows(IllegalArgumentException.class,
                () -> repository.checkpoint("../web", "web", clean, Map.of(), ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> repository.checkpoint("web", "a/b", clean, Map.of(), ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class, () -> repository.versions("web/../x"));
        assertThrows(IllegalArgumentException.class, () -> repository.keepNewest("web", -1));
    }

    @Test
    void containersShareChunksButNotVersions() throws IOException {
        CheckpointRepository repository = repository(RepositorySettings.defaults());
        Path image = smallImage("image", 1);
        assertTrue(repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE).storedBytes() > 0);
        // Another container with the same image (same base, same libraries) stores nothing new.
        CommitResult other = repository.checkpoint("web2", "web2", image, Map.of(), ProgressListener.NONE);
        assertEquals(0, other.storedBytes());
        assertEquals(1, other.version());
        assertEquals(1, repository.versions("web").size());
        assertEquals(1, repository.versions("web2").size());
        List<BlobInfo> manifests = store.list("manifests/");
        assertEquals(2, manifests.size());
    }
}
