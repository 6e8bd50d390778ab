package io.hydra.runtime.checkpoint.repo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * Multi-version checkpoints of containers in a {@link BlobStore}: a version is a manifest listing the files of a
 * CRIU image directory as content-addressed chunks kept in packs.
 *
 * <h2>Layout in the store</h2>
 * <ul>
 *   <li>{@code packs/<uuid>}: chunk records, about {@link RepositorySettings#packTargetBytes()} each
 *       ({@link PackWriter}, {@link ChunkCodec});</li>
 *   <li>{@code manifests/<containerId>/<version, 20 digits>.json}: one per committed version ({@link ManifestCodec}).
 *   </li>
 * </ul>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>A version becomes visible only by the conditional create of its manifest, after every pack it references has
 *       been stored and its length checked with a stat. A crash or failure before that leaves no version (and, when
 *       the process survives, no packs either); earlier versions are untouched. Two writers never share a version
 *       number: the loser of the conditional create takes the next number.</li>
 *   <li>Chunks are deduplicated against every committed version of every container in the store, as far as this
 *       process knows them: the index is built from all manifests on first use and updated on commit, delete and
 *       garbage collection.</li>
 *   <li>Restore verifies the manifest (schema, ranges, paths, owner, MAC when a key is configured) and every chunk
 *       (header against the manifest, safe LZ4 decoding into exactly the recorded length, SHA-256) and every file
 *       (SHA-256) before the image appears at the target; any failure leaves nothing there and names the container,
 *       version, file and chunk.</li>
 *   <li>Garbage collection deletes only packs that no committed manifest references and that are older than
 *       {@link RepositorySettings#gcGrace()}; it excludes uploads of this process with a read/write lock, and the
 *       grace period protects uploads of other processes sharing the store. A pack that is only partly referenced
 *       is kept whole: packs are never rewritten, so the unreferenced records in it stay until every version using
 *       the pack is gone.</li>
 * </ul>
 *
 * <p>Plain Java, thread-safe; the daemon constructs one per store and closes it on shutdown (which stops its
 * threads, not the store).
 */
public final class CheckpointRepository implements AutoCloseable {
    private static final int MAX_VERSION_ATTEMPTS = 1000;

    private final BlobStore store;
    private final RepositorySettings settings;
    private final Clock clock;
    private final ManifestCodec codec;
    private final ChunkIndex index = new ChunkIndex();
    private final ExecutorService hashers;
    private final ExecutorService io;
    /** Uploads hold the read side from their first pack until their manifest is committed; GC holds the write side. */
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock(true);
    /** Per container, the highest version this process committed: numbers never go back, even after a delete. */
    private final Map<String, Long> highestCommitted = new HashMap<>();
    private boolean indexLoaded;

    public CheckpointRepository(BlobStore store, RepositorySettings settings) {
        this(store, settings, Clock.systemUTC());
    }

    CheckpointRepository(BlobStore store, RepositorySettings settings, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.codec = new ManifestCodec(settings.macKey());
        this.hashers = Executors.newFixedThreadPool(settings.parallelism(), threads("hydra-checkpoint-hash"));
        this.io = Executors.newFixedThreadPool(2 * settings.parallelism(), threads("hydra-checkpoint-io"));
    }

    public RepositorySettings settings() {
        return settings;
    }

    /**
     * Stores the image directory as the container's next version and commits it.
     *
     * @param containerId   the container the version belongs to (a blob name segment: letters, digits, '_', '.',
     *                      '-')
     * @param containerName recorded for display and for restoring under the same name
     * @param imageDir      the CRIU image directory (regular files and subdirectories only)
     * @param metadata      recorded with the version (frozenMs, node, ...); at most 64 entries
     * @throws IOException the version was not committed; the store holds no new version
     */
    public CommitResult checkpoint(String containerId, String containerName, Path imageDir,
                                   Map<String, String> metadata, ProgressListener listener) throws IOException {
        ManifestNames.validateContainerId(containerId);
        validateName(containerName);
        validateMetadata(metadata);
        Objects.requireNonNull(listener, "listener");
        long started = System.nanoTime();
        Instant createdAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        List<ImageScanner.ImageFile> files = ImageScanner.scan(imageDir);
        new ProgressTracker(listener, ProgressListener.Phase.SCANNING, files.size()).advance(files.size());
        gcLock.readLock().lock();
        try (CheckpointUpload upload = new CheckpointUpload(store, settings, index, hashers, io)) {
            ensureIndex();
            CheckpointUpload.Uploaded uploaded = upload.upload(files, listener);
            ProgressTracker committing = new ProgressTracker(listener, ProgressListener.Phase.COMMITTING,
                    uploaded.packsReused().size() + 1);
            committing.start();
            verifyReusedPacks(uploaded, committing);
            Manifest draft = new Manifest(Manifest.FORMAT, containerId, containerName, 0, createdAt,
                    uploaded.files(), metadata, uploaded.logicalBytes(), uploaded.storedBytes());
            Committed committed = commit(draft, upload);
            committing.advance(1);
            done(listener, uploaded.logicalBytes());
            return new CommitResult(containerId, committed.manifest().version(), uploaded.logicalBytes(),
                    uploaded.storedBytes(), uploaded.packBytes() + committed.bytes(), uploaded.chunks(),
                    uploaded.newChunks(), Duration.ofNanos(System.nanoTime() - started));
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /**
     * Chunks found in the index live in packs of earlier versions. Another process may have deleted those versions
     * and collected the packs meanwhile; committing would then publish a version that cannot be restored.
     */
    private void verifyReusedPacks(CheckpointUpload.Uploaded uploaded, ProgressTracker progress) throws IOException {
        Set<String> missing = new HashSet<>();
        for (String pack : uploaded.packsReused()) {
            if (!uploaded.packsWritten().contains(pack) && store.stat(PackWriter.blobName(pack)).isEmpty()) {
                missing.add(pack);
            }
            progress.advance(1);
        }
        if (!missing.isEmpty()) {
            index.forgetPacks(missing);
            throw new IOException("packs " + missing + " that earlier versions reference have vanished from the store"
                    + " (deleted by another process?); this checkpoint was not committed, and a retry will upload"
                    + " those chunks again");
        }
    }

    private record Committed(Manifest manifest, long bytes) {
    }

    /** Conditional create of the manifest under the next free version number. */
    private Committed commit(Manifest draft, CheckpointUpload upload) throws IOException {
        String containerId = draft.containerId();
        long next = Math.max(highestListed(containerId), highestCommitted(containerId)) + 1;
        for (int attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt++, next++) {
            Manifest manifest = draft.withVersion(next);
            byte[] json = codec.encode(manifest);
            if (json.length > ManifestCodec.MAX_MANIFEST_BYTES) {
                // Never commit what no reader would accept.
                throw new IOException("the manifest of this checkpoint would take " + json.length + " bytes; at most "
                        + ManifestCodec.MAX_MANIFEST_BYTES + " can be read back (" + manifest.chunkCount()
                        + " chunks)");
            }
            String name = ManifestNames.blobName(containerId, next);
            boolean created;
            try {
                created = store.put(name, new ByteArrayInputStream(json), json.length, true);
            } catch (IOException | RuntimeException e) {
                // A store may fail after the manifest landed (a timeout after the write): deleting the packs could
                // break a committed version. If it did not land, garbage collection removes them.
                upload.keepPacks();
                throw e;
            }
            if (created) {
                upload.keepPacks();
                synchronized (highestCommitted) {
                    highestCommitted.merge(containerId, next, Math::max);
                }
                index.add(name, manifest);
                return new Committed(manifest, json.length);
            }
        }
        throw new IOException("could not find a free version number for container " + containerId + " after "
                + MAX_VERSION_ATTEMPTS + " attempts");
    }

    private long highestCommitted(String containerId) {
        synchronized (highestCommitted) {
            return highestCommitted.getOrDefault(containerId, 0L);
        }
    }

    private long highestListed(String containerId) throws IOException {
        long highest = 0;
        for (BlobInfo info : store.list(ManifestNames.prefix(containerId))) {
            OptionalLong version = ManifestNames.versionOf(containerId, info.name());
            if (version.isPresent()) {
                highest = Math.max(highest, version.getAsLong());
            }
        }
        return highest;
    }

    /**
     * Restores a version into {@code targetDir}, which must not exist; its parent is created if needed. Everything
     * is verified before the directory appears.
     *
     * @throws CheckpointNotFoundException no such version
     * @throws CheckpointCorruptException  the manifest or a chunk failed verification; nothing is at the target
     * @throws java.nio.file.FileAlreadyExistsException the target exists
     */
    public RestoreResult restore(String containerId, long version, Path targetDir, ProgressListener listener)
            throws IOException {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(targetDir, "targetDir");
        byte[] json = readManifest(containerId, version);
        Manifest manifest = codec.decode(json, containerId, version, true);
        RestoreResult result = new CheckpointRestore(store, settings, io).restore(manifest, json.length, targetDir,
                listener);
        done(listener, manifest.logicalBytes());
        return result;
    }

    /** The verified manifest of a version (as restore would accept it). */
    public Manifest manifest(String containerId, long version) throws IOException {
        return codec.decode(readManifest(containerId, version), containerId, version, true);
    }

    /**
     * Every committed version of the container, oldest first. A manifest that cannot be read or verified is listed
     * with its problem (see {@link CheckpointVersion}), not left out.
     */
    public List<CheckpointVersion> versions(String containerId) throws IOException {
        List<CheckpointVersion> versions = new ArrayList<>();
        for (BlobInfo info : store.list(ManifestNames.prefix(containerId))) {
            OptionalLong version = ManifestNames.versionOf(containerId, info.name());
            if (version.isPresent()) {
                versions.add(describe(containerId, version.getAsLong(), info));
            }
        }
        return versions;
    }

    /** The newest version whose manifest reads and verifies, if any. */
    public Optional<CheckpointVersion> latest(String containerId) throws IOException {
        List<BlobInfo> listed = store.list(ManifestNames.prefix(containerId));
        for (int i = listed.size() - 1; i >= 0; i--) {
            OptionalLong version = ManifestNames.versionOf(containerId, listed.get(i).name());
            if (version.isPresent()) {
                CheckpointVersion described = describe(containerId, version.getAsLong(), listed.get(i));
                if (described.complete()) {
                    return Optional.of(described);
                }
            }
        }
        return Optional.empty();
    }

    private CheckpointVersion describe(String containerId, long version, BlobInfo info) {
        try {
            return codec.decode(readManifest(containerId, version), containerId, version, true).summary();
        } catch (IOException e) {
            return new CheckpointVersion(containerId, "", version, info.modified(), 0, 0, Map.of(),
                    Optional.of(e.getMessage()));
        }
    }

    /**
     * Deletes a version's manifest; its packs go at the next garbage collection once no other version uses them.
     *
     * @return whether the version existed
     */
    public boolean delete(String containerId, long version) throws IOException {
        String name = ManifestNames.blobName(containerId, version);
        // Not while garbage collection runs: it would put the deleted manifest's chunks back into the index.
        gcLock.readLock().lock();
        try {
            boolean existed = store.stat(name).isPresent();
            store.delete(name);
            index.remove(name);
            return existed;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /**
     * Retention: keeps the newest {@code n} versions that read and verify, and deletes every version older than the
     * oldest of those. Unreadable versions newer than that stay (visible in {@link #versions}) so that a damaged
     * newest manifest never pushes out the good ones. With fewer than {@code n} good versions nothing is deleted.
     *
     * @return the versions deleted, oldest first
     */
    public List<Long> keepNewest(String containerId, int n) throws IOException {
        if (n < 0) {
            throw new IllegalArgumentException("cannot keep " + n + " versions");
        }
        List<CheckpointVersion> versions = versions(containerId);
        long cut = Long.MAX_VALUE;
        if (n > 0) {
            int kept = 0;
            cut = -1;
            for (int i = versions.size() - 1; i >= 0 && kept < n; i--) {
                if (versions.get(i).complete() && ++kept == n) {
                    cut = versions.get(i).version();
                }
            }
            if (cut < 0) {
                return List.of();
            }
        }
        List<Long> deleted = new ArrayList<>();
        for (CheckpointVersion version : versions) {
            if (version.version() < cut) {
                delete(containerId, version.version());
                deleted.add(version.version());
            }
        }
        return deleted;
    }

    /**
     * Deletes packs that no committed manifest references and that are older than the grace period. Waits for
     * uploads of this process to commit or fail, and keeps them out meanwhile. Refuses to run while any manifest in
     * the store cannot be parsed: the packs it references would be unknown. Packs that are partly referenced are
     * kept whole.
     */
    public GcReport collectGarbage() throws IOException {
        gcLock.writeLock().lock();
        try {
            Map<String, Manifest> manifests = new LinkedHashMap<>();
            Map<String, Manifest> authentic = new LinkedHashMap<>();
            List<String> unreadable = readAllManifests(manifests, authentic);
            if (!unreadable.isEmpty()) {
                throw new IOException("garbage collection refused: " + unreadable.size() + " manifest(s) cannot be"
                        + " read, so the packs they reference are unknown; repair or delete them: "
                        + String.join("; ", unreadable));
            }
            Set<String> referenced = new HashSet<>();
            for (Manifest manifest : manifests.values()) {
                for (ManifestFile file : manifest.files()) {
                    for (ChunkRef chunk : file.chunks()) {
                        referenced.add(chunk.pack());
                    }
                }
            }
            Instant cutoff = clock.instant().minus(settings.gcGrace());
            List<String> removed = new ArrayList<>();
            long removedBytes = 0;
            int kept = 0;
            int young = 0;
            for (BlobInfo pack : store.list(PackWriter.PREFIX)) {
                String id = pack.name().substring(PackWriter.PREFIX.length());
                if (referenced.contains(id)) {
                    kept++;
                } else if (pack.modified().isAfter(cutoff)) {
                    young++;
                } else {
                    store.delete(pack.name());
                    removed.add(id);
                    removedBytes += pack.length();
                }
            }
            // What was just read is the freshest view, other processes' commits and deletions included.
            index.replaceAll(authentic);
            synchronized (this) {
                indexLoaded = true;
            }
            return new GcReport(removed, removedBytes, kept, young);
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    /**
     * Reads every manifest in the store: all that parse into {@code all} (their packs are referenced, MAC or not),
     * those whose MAC also verifies (or every one, without a key) into {@code authentic} when given. Returns a
     * description of each manifest that does not parse.
     */
    private List<String> readAllManifests(Map<String, Manifest> all, Map<String, Manifest> authentic)
            throws IOException {
        List<String> unreadable = new ArrayList<>();
        for (BlobInfo info : store.list(ManifestNames.ROOT)) {
            ManifestNames.Parsed parsed = ManifestNames.parse(info.name());
            if (parsed == null) {
                continue;
            }
            try {
                ManifestCodec.Read read = codec.read(readManifest(parsed.containerId(), parsed.version()),
                        parsed.containerId(), parsed.version());
                all.put(info.name(), read.manifest());
                if (authentic != null && read.authentic()) {
                    authentic.put(info.name(), read.manifest());
                }
            } catch (CheckpointNotFoundException e) {
                // Deleted since the listing: it references nothing any more.
            } catch (IOException e) {
                unreadable.add(info.name() + ": " + e.getMessage());
            }
        }
        return unreadable;
    }

    private void ensureIndex() throws IOException {
        synchronized (this) {
            if (indexLoaded) {
                return;
            }
            // Only authentic manifests are dedup sources: a new version must not point at chunk locations a forged
            // manifest made up. Unreadable ones only mean less dedup; garbage collection is where they must stop.
            Map<String, Manifest> authentic = new LinkedHashMap<>();
            readAllManifests(new HashMap<>(), authentic);
            authentic.forEach(index::add);
            indexLoaded = true;
        }
    }

    private byte[] readManifest(String containerId, long version) throws IOException {
        String name = ManifestNames.blobName(containerId, version);
        try (InputStream in = store.get(name)) {
            byte[] json = in.readNBytes(ManifestCodec.MAX_MANIFEST_BYTES + 1);
            if (json.length > ManifestCodec.MAX_MANIFEST_BYTES) {
                throw CheckpointCorruptException.ofManifest(containerId, version, "manifest refused: larger than "
                        + ManifestCodec.MAX_MANIFEST_BYTES + " bytes", null);
            }
            return json;
        } catch (NoSuchFileException e) {
            throw new CheckpointNotFoundException(containerId, version);
        }
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private static void validateName(String containerName) {
        if (containerName == null || containerName.length() > ManifestCodec.MAX_CONTAINER_NAME_LENGTH
                || !NAME.matcher(containerName).matches() || containerName.contains("..")) {
            throw new IllegalArgumentException("container name '" + containerName + "' is invalid");
        }
    }

    private static void validateMetadata(Map<String, String> metadata) {
        Objects.requireNonNull(metadata, "metadata");
        if (metadata.size() > ManifestCodec.MAX_METADATA_ENTRIES) {
            throw new IllegalArgumentException("metadata has " + metadata.size() + " entries; at most "
                    + ManifestCodec.MAX_METADATA_ENTRIES);
        }
        metadata.forEach((key, value) -> {
            if (key == null || key.isEmpty() || key.length() > ManifestCodec.MAX_METADATA_KEY_LENGTH
                    || value == null || value.length() > ManifestCodec.MAX_METADATA_VALUE_LENGTH) {
                throw new IllegalArgumentException("metadata entry '" + key + "' is invalid: keys 1.."
                        + ManifestCodec.MAX_METADATA_KEY_LENGTH + " characters, values non-null and at most "
                        + ManifestCodec.MAX_METADATA_VALUE_LENGTH);
            }
        });
    }

    private static void done(ProgressListener listener, long bytes) {
        new ProgressTracker(listener, ProgressListener.Phase.DONE, bytes).advance(bytes);
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Stops the worker threads (after running work finishes, at most a few seconds); the store stays open. */
    @Override
    public void close() {
        hashers.shutdown();
        io.shutdown();
        try {
            if (!hashers.awaitTermination(5, TimeUnit.SECONDS)) {
                hashers.shutdownNow();
            }
            if (!io.awaitTermination(5, TimeUnit.SECONDS)) {
                io.shutdownNow();
            }
        } catch (InterruptedException e) {
            hashers.shutdownNow();
            io.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
