package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/**
 * Finding a container id by name on a node that never ran it: through the name markers, reading only the candidates'
 * newest manifests, believing a marker only when the manifest agrees, and falling back (once) for stores written
 * before markers existed. Restores fetch chunk runs with ranged reads, never whole packs.
 */
class NameIndexTest {
    @TempDir
    Path temp;
    private BlobStore fs;
    private CountingBlobStore store;
    private final List<CheckpointRepository> repositories = new ArrayList<>();

    @BeforeEach
    void openStore() throws IOException {
        fs = new FsBlobStore(temp.resolve("store"));
        store = new CountingBlobStore(fs);
    }

    @AfterEach
    void close() throws IOException {
        repositories.forEach(CheckpointRepository::close);
        fs.close();
    }

    private CheckpointRepository repository(BlobStore on, RepositorySettings settings) {
        CheckpointRepository repository = new CheckpointRepository(on, settings);
        repositories.add(repository);
        return repository;
    }

    private Path image(String name, long seed) throws IOException {
        return ImageFixtures.memoryImageDir(temp.resolve(name), 256, seed);
    }

    private void put(String name, String body) throws IOException {
        byte[] bytes = body.getBytes();
        fs.put(name, new ByteArrayInputStream(bytes), bytes.length, false);
    }

    /** Ten containers with three versions each; container "c7" is named "web". */
    private void populate(CheckpointRepository writer) throws IOException {
        for (int c = 0; c < 10; c++) {
            for (int v = 0; v < 3; v++) {
                writer.checkpoint("c" + c, c == 7 ? "web" : "app" + c, image("image-" + c + "-" + v, c * 10 + v),
                        Map.of(), ProgressListener.NONE);
            }
        }
    }

    @Test
    void aNameFindsItsIdReadingOnlyTheCandidatesNewestManifest() throws IOException {
        populate(repository(fs, RepositorySettings.defaults()));
        CheckpointRepository freshNode = repository(store, RepositorySettings.defaults());
        assertEquals(Optional.of("c7"), freshNode.containerIdForName("web"));
        assertEquals(1, store.manifestGets.get(), "one manifest read, not thirty");
        assertTrue(freshNode.hasVersions("c7"));
        assertFalse(freshNode.hasVersions("c70"));
        assertFalse(freshNode.hasVersions("../c7"));
    }

    @Test
    void markersThatLieAreIgnored() throws IOException {
        populate(repository(fs, RepositorySettings.defaults()));
        // A marker for a container with no versions, and one for a container whose manifests carry another name.
        put(NameIndex.blobName("web", "ghost"), "ghost");
        put(NameIndex.blobName("web", "c3"), "c3");
        put(NameIndex.blobName("db", "c3"), "c3");
        CheckpointRepository freshNode = repository(store, RepositorySettings.defaults());
        assertEquals(Optional.of("c7"), freshNode.containerIdForName("web"));
        assertEquals(Optional.of("c3"), freshNode.containerIdForName("app3"));
        store.reset();
        assertEquals(Optional.empty(), freshNode.containerIdForName("db"),
                "c3's manifests do not say db, whatever the marker says");
        assertEquals(1, store.manifestListings.get(), "no completion blob yet: the first miss scans once");
        store.reset();
        assertEquals(Optional.empty(), freshNode.containerIdForName("db"));
        assertEquals(Optional.empty(), repository(store, RepositorySettings.defaults()).containerIdForName("db"));
        assertEquals(0, store.manifestListings.get(), "later misses, on any node, answer from markers only");
        assertEquals(Optional.empty(), freshNode.containerIdForName("../web"));
        assertEquals(Optional.empty(), freshNode.containerIdForName(""));
    }

    @Test
    void aStoreWithoutMarkersIsSearchedOnceAndTheMarkerWritten() throws IOException {
        populate(repository(fs, RepositorySettings.defaults()));
        for (BlobInfo marker : fs.list(NameIndex.ROOT)) {
            fs.delete(marker.name());
        }
        CheckpointRepository freshNode = repository(store, RepositorySettings.defaults());
        assertEquals(Optional.of("c7"), freshNode.containerIdForName("web"));
        assertEquals(10, store.manifestGets.get(), "the fallback reads each container's newest manifest only");
        assertTrue(fs.stat(NameIndex.blobName("web", "c7")).isPresent(), "the marker was written back");

        for (int c = 0; c < 10; c++) {
            String name = c == 7 ? "web" : "app" + c;
            assertTrue(fs.stat(NameIndex.blobName(name, "c" + c)).isPresent(), "every container's marker: " + name);
        }
        assertTrue(fs.stat(NameIndex.COMPLETE).isPresent());

        CheckpointRepository anotherNode = repository(store, RepositorySettings.defaults());
        store.reset();
        assertEquals(Optional.of("c7"), anotherNode.containerIdForName("web"));
        assertEquals(1, store.manifestGets.get());
        store.reset();
        assertEquals(Optional.empty(), anotherNode.containerIdForName("nobody"));
        assertEquals(Optional.empty(), repository(store, RepositorySettings.defaults()).containerIdForName("none"));
        assertEquals(0, store.manifestListings.get(), "misses answer from markers, never scanning the bucket");
        assertEquals(0, store.manifestGets.get());
    }

    @Test
    void aCompletionMarkerOfAnotherFormatIsNotTrusted() throws IOException {
        populate(repository(fs, RepositorySettings.defaults()));
        put(NameIndex.COMPLETE, "hydra-names-complete 2\n");
        for (BlobInfo marker : fs.list(NameIndex.ROOT)) {
            fs.delete(marker.name());
        }
        store.reset();
        assertEquals(Optional.of("c7"), repository(store, RepositorySettings.defaults()).containerIdForName("web"));
        assertEquals(1, store.manifestListings.get(), "an unknown format means one fallback scan");
        store.reset();
        assertEquals(Optional.empty(), repository(store, RepositorySettings.defaults()).containerIdForName("x"));
        assertEquals(0, store.manifestListings.get(), "and the rewritten blob is trusted afterwards");
    }

    @Test
    void theNewestContainerCarryingTheNameWins() throws IOException {
        CheckpointRepository writer = repository(fs, RepositorySettings.defaults());
        writer.checkpoint("old-id", "web", image("a", 1), Map.of(), ProgressListener.NONE);
        writer.checkpoint("new-id", "web", image("b", 2), Map.of(), ProgressListener.NONE);
        assertEquals(Optional.of("new-id"), repository(store, RepositorySettings.defaults())
                .containerIdForName("web"));
    }

    @Test
    void garbageCollectionRemovesMarkersOfContainersWithoutVersions() throws IOException {
        CheckpointRepository repository = repository(store, RepositorySettings.defaults()
                .withGcGrace(Duration.ZERO));
        repository.checkpoint("c1", "web", image("a", 1), Map.of(), ProgressListener.NONE);
        repository.checkpoint("c2", "db", image("b", 2), Map.of(), ProgressListener.NONE);
        assertTrue(repository.delete("c1", 1));
        repository.collectGarbage();
        assertFalse(fs.stat(NameIndex.blobName("web", "c1")).isPresent());
        assertTrue(fs.stat(NameIndex.blobName("db", "c2")).isPresent());
        assertEquals(Optional.empty(), repository.containerIdForName("web"));
        // The marker comes back with the container's next checkpoint, even in the process that saw it go.
        repository.checkpoint("c1", "web", image("c", 3), Map.of(), ProgressListener.NONE);
        assertEquals(Optional.of("c1"), repository(store, RepositorySettings.defaults()).containerIdForName("web"));
    }

    @Test
    void restoreFetchesChunkRunsWithRangedReadsOnly() throws IOException {
        CheckpointRepository writer = repository(fs, RepositorySettings.defaults().withPackTargetBytes(256 * 1024));
        Path image = image("image", 5);
        writer.checkpoint("c1", "web", image, Map.of(), ProgressListener.NONE);
        CheckpointRepository reader = repository(store, RepositorySettings.defaults());
        Path target = temp.resolve("restored");
        reader.restore("c1", 1, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
        assertEquals(0, store.wholePackGets.get(), "no pack is read whole");
        assertTrue(store.rangedPackGets.get() >= fs.list(PackWriter.PREFIX).size(), "every pack read by range");
    }
}
