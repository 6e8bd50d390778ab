package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/**
 * The on-disk chunk index as a cache of the store: reused across restarts, rebuilt when missing, damaged or built
 * under another MAC key, brought up to date with what other processes did, and never able to make a version refer to
 * a chunk the store lacks, even when it lies.
 */
class ChunkIndexTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path temp;
    private BlobStore fs;
    private CountingBlobStore store;
    private Path indexFile;
    private final List<CheckpointRepository> repositories = new ArrayList<>();

    @BeforeEach
    void openStore() throws IOException {
        fs = new FsBlobStore(temp.resolve("store"));
        store = new CountingBlobStore(fs);
        indexFile = temp.resolve("root").resolve("chunks.db");
    }

    @AfterEach
    void close() throws IOException {
        repositories.forEach(CheckpointRepository::close);
        fs.close();
    }

    /** A repository as a daemon opens it: its index file under its root. */
    private CheckpointRepository daemon(RepositorySettings settings) {
        CheckpointRepository repository = new CheckpointRepository(store, settings, indexFile);
        repositories.add(repository);
        return repository;
    }

    /** Another process sharing the store, with an index of its own. */
    private CheckpointRepository otherProcess(RepositorySettings settings) {
        CheckpointRepository repository = new CheckpointRepository(fs, settings);
        repositories.add(repository);
        return repository;
    }

    private void restart(CheckpointRepository repository) {
        repository.close();
        repositories.remove(repository);
    }

    private Path image(String name, long seed) throws IOException {
        Path dir = temp.resolve(name);
        ImageFixtures.writeMemoryImage(dir.resolve("pages-1.img"), 512, new SplittableRandom(seed));
        ImageFixtures.writeText(dir.resolve("inventory.img"), "inventory " + seed, "rw-------");
        return dir;
    }

    private CommitResult checkpoint(CheckpointRepository repository, String id, Path image) throws IOException {
        return repository.checkpoint(id, id, image, Map.of(), ProgressListener.NONE);
    }

    private void assertRestores(CheckpointRepository repository, String id, long version, Path image)
            throws IOException {
        Path target = temp.resolve("restored").resolve(id + "-" + version + "-" + System.nanoTime());
        repository.restore(id, version, target, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, target);
    }

    private void sql(String statement) throws SQLException {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + indexFile);
             Statement s = db.createStatement()) {
            s.executeUpdate(statement);
        }
    }

    private long count(String table) throws SQLException {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + indexFile);
             Statement s = db.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void aRestartedDaemonReusesItsIndexAndReadsOnlyManifestsItDoesNotKnow() throws IOException, SQLException {
        Path image = image("image", 1);
        CheckpointRepository first = daemon(RepositorySettings.defaults());
        checkpoint(first, "web", image);
        long placesOfOneVersion = count("places");
        assertTrue(placesOfOneVersion > 0);
        for (int i = 0; i < 2; i++) {
            checkpoint(first, "web", image);
        }
        assertEquals(placesOfOneVersion, count("places"), "versions sharing chunks share their index rows");
        assertEquals(3, count("manifests"));
        restart(first);
        checkpoint(otherProcess(RepositorySettings.defaults()), "db", image("db-image", 2));

        store.reset();
        CheckpointRepository restarted = daemon(RepositorySettings.defaults());
        CommitResult again = checkpoint(restarted, "web", image);
        // The other process's manifest, and this container's last version: the parent whose pages it dedups against.
        assertEquals(2, store.manifestGets.get(), "only the manifest another process committed and the parent are"
                + " read");
        assertEquals(0, again.newChunks(), "still deduplicated against every version: " + again);
        CommitResult db = checkpoint(restarted, "db", image("db-image", 2));
        assertEquals(0, db.newChunks(), "the other process's chunks are known too: " + db);

        store.reset();
        restarted.collectGarbage();
        assertEquals(0, store.manifestGets.get(), "garbage collection reads no manifest the index knows");
    }

    @Test
    void aMissingOrDamagedIndexFileIsRebuiltFromTheStore() throws IOException {
        Path image = image("image", 1);
        CheckpointRepository first = daemon(RepositorySettings.defaults());
        checkpoint(first, "web", image);
        restart(first);

        Files.delete(indexFile);
        CheckpointRepository rebuilt = daemon(RepositorySettings.defaults());
        assertEquals(0, checkpoint(rebuilt, "web", image).newChunks());
        restart(rebuilt);

        for (String suffix : List.of("-wal", "-shm")) {
            Files.deleteIfExists(Path.of(indexFile + suffix));
        }
        Files.write(indexFile, "this is not an SQLite database, whatever its name says".repeat(100)
                .getBytes(StandardCharsets.US_ASCII));
        CheckpointRepository fromGarbage = daemon(RepositorySettings.defaults());
        CommitResult result = checkpoint(fromGarbage, "web", image);
        assertEquals(0, result.newChunks(), "rebuilt from the store, so dedup still works: " + result);
        assertEquals(3, fromGarbage.versions("web").size());
        assertRestores(fromGarbage, "web", 3, image);
    }

    @Test
    void anIndexBuiltUnderAnotherKeyIsRebuiltAndUnsignedVersionsAreNoDedupSource() throws IOException {
        Path image = image("image", 1);
        CheckpointRepository unsigned = daemon(RepositorySettings.defaults());
        checkpoint(unsigned, "web", image);
        restart(unsigned);

        CheckpointRepository keyed = daemon(RepositorySettings.defaults().withMacKey(KEY));
        CommitResult result = checkpoint(keyed, "web", image);
        assertEquals(result.chunks(), result.newChunks(),
                "a manifest without a valid MAC must not be a dedup source: " + result);
        assertRestores(keyed, "web", 2, image);
    }

    @Test
    void packsCollectedByAnotherProcessAreForgottenAndTheCheckpointStillCommits() throws IOException {
        Path image = image("image", 1);
        CheckpointRepository daemon = daemon(RepositorySettings.defaults());
        checkpoint(daemon, "web", image);
        CheckpointRepository other = otherProcess(RepositorySettings.defaults().withGcGrace(Duration.ZERO));
        assertTrue(other.delete("web", 1));
        assertFalse(other.collectGarbage().removedPacks().isEmpty());

        // This daemon's index still lists the chunks of version 1, whose packs are gone.
        CommitResult result = checkpoint(daemon, "web", image);
        assertEquals(2, result.version());
        assertEquals(result.chunks(), result.newChunks(), "every vanished chunk stored again: " + result);
        assertRestores(daemon, "web", 2, image);
    }

    @Test
    void aLyingIndexNeverMakesAVersionReferToAMissingChunk() throws IOException, SQLException {
        Path image = image("image", 1);
        CheckpointRepository first = daemon(RepositorySettings.defaults());
        checkpoint(first, "web", image);
        restart(first);
        // The manifests in the store are unchanged, so reconciling does not notice: the places themselves lie.
        // Half the places point into a pack the store never held (which a manifest claims to reference), the other
        // half past the end of their real pack.
        sql("INSERT INTO packs(name) VALUES ('00000000-0000-0000-0000-000000000000')");
        sql("INSERT INTO manifest_packs(manifest, pack) SELECT (SELECT min(id) FROM manifests), id FROM packs"
                + " WHERE name = '00000000-0000-0000-0000-000000000000'");
        sql("UPDATE places SET pack = (SELECT id FROM packs WHERE name = '00000000-0000-0000-0000-000000000000')"
                + " WHERE substr(hex(sha), 1, 1) < '8'");
        sql("UPDATE places SET offset = offset + 1000000000 WHERE substr(hex(sha), 1, 1) >= '8'");

        CheckpointRepository lied = daemon(RepositorySettings.defaults());
        CommitResult result = checkpoint(lied, "web", image);
        assertEquals(2, result.version());
        assertRestores(lied, "web", 2, image);
        assertRestores(lied, "web", 1, image);
        Manifest manifest = lied.manifest("web", 2);
        for (ManifestFile file : manifest.files()) {
            for (ChunkRef chunk : file.chunks()) {
                long length = fs.stat(PackWriter.blobName(chunk.pack())).orElseThrow().length();
                assertTrue(chunk.offset() + chunk.storedLength() <= length, chunk + " inside its pack");
            }
        }
    }

    @Test
    void manifestsChangedBehindTheIndexAreReadAgain() throws IOException {
        Path image = image("image", 1);
        CheckpointRepository daemon = daemon(RepositorySettings.defaults().withGcGrace(Duration.ZERO));
        checkpoint(daemon, "web", image);
        checkpoint(daemon, "web", image);
        // Another process deletes version 1 and writes garbage as version 2: the index must follow the store.
        fs.delete(ManifestNames.blobName("web", 1));
        fs.put(ManifestNames.blobName("web", 2), new java.io.ByteArrayInputStream(new byte[] {'{'}), 1, false);
        IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                daemon::collectGarbage);
        assertTrue(refused.getMessage().contains(ManifestNames.blobName("web", 2)), refused.getMessage());
        fs.delete(ManifestNames.blobName("web", 2));
        GcReport report = daemon.collectGarbage();
        assertFalse(report.removedPacks().isEmpty(), "no version is left, so every pack goes: " + report);
        assertEquals(0, fs.list(PackWriter.PREFIX).size());
        CommitResult fresh = checkpoint(daemon, "web", image);
        assertEquals(fresh.chunks(), fresh.newChunks(), "nothing left to dedup against: " + fresh);
        assertRestores(daemon, "web", fresh.version(), image);
    }
}
