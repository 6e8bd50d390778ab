package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/**
 * Two repositories on one store, as two daemons sharing a bucket: node A collects garbage, node B checkpoints with an
 * index that still knows the chunks of a version A deleted.
 */
class TwoNodeGcTest {
    private static final Duration GRACE = Duration.ofHours(1);

    @TempDir
    Path temp;
    private BlobStore store;
    private final List<CheckpointRepository> repositories = new ArrayList<>();
    /** Node A's clock; packs carry the store's real times, so A ahead by hours sees them as old. */
    private final SettableClock clockA = new SettableClock(Instant.now());

    @BeforeEach
    void openStore() throws IOException {
        store = new FsBlobStore(temp.resolve("store"));
    }

    @AfterEach
    void close() throws IOException {
        repositories.forEach(CheckpointRepository::close);
        store.close();
    }

    private CheckpointRepository node(BlobStore on, Clock clock) {
        CheckpointRepository repository = new CheckpointRepository(on,
                RepositorySettings.defaults().withGcGrace(GRACE), clock);
        repositories.add(repository);
        return repository;
    }

    private Path image(String name, long seed) throws IOException {
        return ImageFixtures.memoryImageDir(temp.resolve(name), 256, seed);
    }

    private Set<String> packsInStore() throws IOException {
        return store.list(PackWriter.PREFIX).stream().map(i -> i.name().substring(PackWriter.PREFIX.length()))
                .collect(Collectors.toSet());
    }

    @Test
    void aPackReusedWhileCollectionRunsOnAnotherNodeIsNotDeleted() throws Exception {
        PackListGatedBlobStore gatedForA = new PackListGatedBlobStore(store);
        CheckpointRepository nodeA = node(gatedForA, clockA);
        CheckpointRepository nodeB = node(store, Clock.systemUTC());
        Path image = image("image", 1);
        nodeB.checkpoint("old", "old", image, Map.of(), ProgressListener.NONE);
        Set<String> packs = packsInStore();
        assertFalse(packs.isEmpty());
        assertTrue(nodeA.delete("old", 1), "the last version using the packs goes; B's index does not know");

        clockA.set(clockA.instant().plus(GRACE.multipliedBy(2)));
        GcReport first = nodeA.collectGarbage();
        assertEquals(List.of(), first.removedPacks(), "an old unreferenced pack is only a candidate at first");
        assertEquals(packs, packsInStore());
        assertEquals(packs, GcCandidates.read(store).keySet(), "recorded in the store for every node's GC");

        // A's second run, a grace period later, is held between its first sync and its walk of the packs ...
        clockA.set(clockA.instant().plus(GRACE.multipliedBy(2)));
        gatedForA.arm();
        CompletableFuture<GcReport> second = CompletableFuture.supplyAsync(() -> {
            try {
                return nodeA.collectGarbage();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(gatedForA.packListReached.await(60, TimeUnit.SECONDS));
        // ... while B, whose index still holds the deleted version's chunks, commits a version reusing them.
        CommitResult reused = nodeB.checkpoint("new", "new", image, Map.of(), ProgressListener.NONE);
        assertEquals(0, reused.newChunks(), "every chunk reused from the old packs");
        assertTrue(reused.restorable());
        gatedForA.gate.countDown();
        GcReport report = second.get(60, TimeUnit.SECONDS);

        assertEquals(List.of(), report.removedPacks(), "the fresh sync before deleting saw B's version");
        assertEquals(packs, packsInStore());
        assertEquals(Map.of(), GcCandidates.read(store), "referenced again: no longer candidates");
        Path target = temp.resolve("restored");
        nodeA.restore("new", 1, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
    }

    @Test
    void aCandidateStillUnreferencedAfterTheGraceIsDeleted() throws Exception {
        CheckpointRepository nodeA = node(store, clockA);
        nodeA.checkpoint("old", "old", image("image", 2), Map.of(), ProgressListener.NONE);
        Set<String> packs = packsInStore();
        assertTrue(nodeA.delete("old", 1));
        clockA.set(clockA.instant().plus(GRACE.multipliedBy(2)));
        assertEquals(List.of(), nodeA.collectGarbage().removedPacks());

        clockA.set(clockA.instant().plus(GRACE.dividedBy(2)));
        GcReport early = nodeA.collectGarbage();
        assertEquals(List.of(), early.removedPacks(), "a candidate for less than the grace period stays");
        assertEquals(packs.size(), early.youngPacks());

        clockA.set(clockA.instant().plus(GRACE));
        assertEquals(packs, Set.copyOf(nodeA.collectGarbage().removedPacks()));
        assertEquals(Set.of(), packsInStore());
        assertEquals(Map.of(), GcCandidates.read(store));
    }

    @Test
    void aMalformedCandidateListStopsCollectionWithItsProblem() throws IOException {
        CheckpointRepository nodeA = node(store, clockA);
        byte[] body = (GcCandidates.FORMAT + "\nsomepack yesterday\n").getBytes(StandardCharsets.US_ASCII);
        store.put(GcCandidates.BLOB, new ByteArrayInputStream(body), body.length, false);
        IOException refused = assertThrows(IOException.class, nodeA::collectGarbage);
        assertTrue(refused.getMessage().contains("gc/candidates is malformed (line 2 has no valid time)"),
                refused.getMessage());
    }

    @Test
    void anUploaderReportsAReusedPackDeletedJustBeforeItsManifestLanded() throws Exception {
        ManifestPutHookBlobStore hooked = new ManifestPutHookBlobStore(store);
        CheckpointRepository nodeB = node(hooked, Clock.systemUTC());
        Path image = image("image", 3);
        CommitResult old = nodeB.checkpoint("old", "old", image, Map.of(), ProgressListener.NONE);
        assertEquals(Set.of(), old.reusedPacksGone());
        Set<String> packs = packsInStore();
        // Another node's collection deletes the packs after B checked them and before B's manifest is stored.
        hooked.beforeManifestPut = () -> {
            for (String pack : packs) {
                store.delete(PackWriter.blobName(pack));
            }
        };
        CommitResult reused = nodeB.checkpoint("new", "new", image, Map.of(), ProgressListener.NONE);
        assertEquals(packs, reused.reusedPacksGone(), "the caller learns which packs went");
        assertFalse(reused.restorable(), "so it keeps the image it checkpointed");

        hooked.beforeManifestPut = null;
        CommitResult again = nodeB.checkpoint("again", "again", image, Map.of(), ProgressListener.NONE);
        assertTrue(again.restorable());
        assertEquals(again.chunks(), again.newChunks(), "the vanished packs were forgotten: chunks uploaded anew");
    }

    /** A real store that runs a hook before each manifest put, while one is set. */
    private static final class ManifestPutHookBlobStore extends ForwardingBlobStore {
        interface Hook {
            void run() throws IOException;
        }

        volatile Hook beforeManifestPut;

        ManifestPutHookBlobStore(BlobStore delegate) {
            super(delegate);
        }

        @Override
        public boolean put(String blobName, java.io.InputStream content, long length, boolean ifAbsent)
                throws IOException {
            Hook hook = beforeManifestPut;
            if (hook != null && blobName.startsWith(ManifestNames.ROOT)) {
                hook.run();
            }
            return delegate.put(blobName, content, length, ifAbsent);
        }
    }

    /** A clock the test moves; the repository reads it for its cutoffs. */
    private static final class SettableClock extends Clock {
        private volatile Instant now;

        SettableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
