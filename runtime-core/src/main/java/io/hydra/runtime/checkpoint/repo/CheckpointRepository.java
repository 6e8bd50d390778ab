package io.hydra.runtime.checkpoint.repo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;
import org.jboss.logging.Logger;

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
 *   <li>{@code names/<containerName>/<containerId>}: empty markers, so a name finds its container id without reading
 *       every manifest ({@link NameIndex}); verified against the manifest before being believed.</li>
 * </ul>
 *
 * <h2>Heap</h2>
 * The dedup index and which packs each manifest references live in an SQLite file ({@link ChunkIndex}), a cache
 * of the store kept up to date by reading only manifests it does not know ({@link IndexSync}); manifests are read one
 * at a time; restore fetches each run of chunks with one ranged read. What the heap holds grows with one manifest and
 * with the listing of the store's blob names, not with the chunks in the store.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>A version becomes visible only by the conditional create of its manifest, after every pack it references has
 *       been stored and its length checked with a stat. A crash or failure before that leaves no version (and, when
 *       the process survives, no packs either); earlier versions are untouched. Two writers never share a version
 *       number: the loser of the conditional create takes the next number.</li>
 *   <li>Chunks are deduplicated against every committed authentic version of every container in the store, as far as
 *       the index knows them: it is brought up to date with the store on this process's first checkpoint and at each
 *       garbage collection, and updated on commit and delete. Before a version relies on a chunk the index answered,
 *       the pack holding it is checked in the store (present, and long enough); a pack that fails is forgotten and
 *       the upload runs once more storing those chunks again, so a stale or lying index never makes a version refer
 *       to a missing chunk.</li>
 *   <li>Restore verifies the manifest (schema, ranges, paths, owner, MAC when a key is configured) and every chunk
 *       (header against the manifest, safe LZ4 decoding into exactly the recorded length, SHA-256) and every file
 *       (SHA-256) before the image appears at the target; any failure leaves nothing there and names the container,
 *       version, file and chunk.</li>
 *   <li>Garbage collection deletes only packs that no committed manifest references and that are older than
 *       {@link RepositorySettings#gcGrace()}; it excludes uploads of this process with a read/write lock, and the
 *       grace period protects uploads of other processes sharing the store. An old unreferenced pack is first a
 *       candidate ({@link GcCandidates}) and goes only a grace period later, after a fresh sync, so a node reusing
 *       it through a stale index has that long to commit ({@link GarbageCollection}). A pack that is only partly
 *       referenced is kept whole: packs are never rewritten, so the unreferenced records in it stay until every
 *       version using the pack is gone.</li>
 * </ul>
 *
 * <p>Plain Java, thread-safe; the daemon constructs one per store and closes it on shutdown (which stops its
 * threads, not the store).
 */
public final class CheckpointRepository implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CheckpointRepository.class);
    private static final int MAX_VERSION_ATTEMPTS = 1000;
    private static final int MAX_UPLOAD_ATTEMPTS = 3;

    private final BlobStore store;
    private final RepositorySettings settings;
    private final Clock clock;
    private final ManifestCodec codec;
    private final ManifestReader reader;
    private final ChunkIndex index;
    private final IndexSync sync;
    private final NameIndex names;
    private final PageDigestCache pageDigests;
    /** The last version of each container this process committed or restored: the parent of its next checkpoint. */
    private final Map<String, Manifest> lastManifests = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Manifest> eldest) {
            return size() > 64;
        }
    };
    /** The directory of a private index this repository made for itself, deleted on close; null when given one. */
    private final Path privateIndexDir;
    private final ExecutorService hashers;
    private final ExecutorService io;
    /** Uploads hold the read side from their first pack until their manifest is committed; GC holds the write side. */
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock(true);
    /** Per container, the highest version this process committed: numbers never go back, even after a delete. */
    private final Map<String, Long> highestCommitted = new HashMap<>();
    private boolean indexLoaded;

    /**
     * A repository whose chunk index lives in a private temporary directory, rebuilt from the store on first use and
     * deleted on close (tests, tools). The daemon passes a file under its root instead, so restarts reuse it.
     */
    public CheckpointRepository(BlobStore store, RepositorySettings settings) {
        this(store, settings, null, Clock.systemUTC());
    }

    /**
     * @param indexFile the SQLite file of the chunk index (a cache of the store; created if missing)
     * @throws UncheckedIOException the index file cannot be created
     */
    public CheckpointRepository(BlobStore store, RepositorySettings settings, Path indexFile) {
        this(store, settings, Objects.requireNonNull(indexFile, "indexFile"), Clock.systemUTC());
    }

    CheckpointRepository(BlobStore store, RepositorySettings settings, Clock clock) {
        this(store, settings, null, clock);
    }

    CheckpointRepository(BlobStore store, RepositorySettings settings, Path indexFile, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.codec = new ManifestCodec(settings.macKey());
        this.reader = new ManifestReader(store);
        try {
            this.privateIndexDir = indexFile == null ? Files.createTempDirectory("hydra-chunk-index-") : null;
            this.index = ChunkIndex.open(indexFile != null ? indexFile : privateIndexDir.resolve("chunks.db"),
                    indexIdentity(store, settings));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.sync = new IndexSync(store, codec, reader, index);
        this.pageDigests = new PageDigestCache((indexFile != null ? indexFile.toAbsolutePath().getParent()
                : privateIndexDir).resolve("page-digests"));
        this.names = new NameIndex(store);
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
        try {
            ensureIndex();
            for (int attempt = 1; ; attempt++) {
                // A retry stores every page again: the first attempt found packs of earlier versions gone.
                ParentPages parent = attempt == 1 ? parentPages(containerId) : ParentPages.NONE;
                try (CheckpointUpload upload = new CheckpointUpload(store, settings, index, parent, hashers, io)) {
                    CheckpointUpload.Uploaded uploaded = upload.upload(files, listener);
                    ProgressTracker committing = new ProgressTracker(listener, ProgressListener.Phase.COMMITTING,
                            uploaded.packsReused().size() + 1);
                    committing.start();
                    try {
                        verifyReusedPacks(uploaded, committing);
                    } catch (VanishedPacksException e) {
                        if (attempt < MAX_UPLOAD_ATTEMPTS) {
                            // The index has forgotten them: the next upload stores those chunks itself. It may
                            // find others of the same kind (the parent's pages covered them the first time), and
                            // each attempt forgets what it found, so this ends.
                            continue;
                        }
                        throw e;
                    }
                    names.record(containerName, containerId);
                    Manifest draft = new Manifest(Manifest.FORMAT, containerId, containerName, 0, createdAt,
                            uploaded.files(), metadata, uploaded.logicalBytes(), uploaded.storedBytes());
                    Committed committed = commit(draft, upload);
                    committing.advance(1);
                    if (!uploaded.pageDigests().isEmpty()) {
                        pageDigests.write(containerId, committed.manifest().version(), uploaded.pageDigests());
                        remember(committed.manifest());
                    }
                    Set<String> gone = reusedPacksGone(uploaded);
                    if (!gone.isEmpty()) {
                        LOG.errorf("checkpoint %s version %d was committed but packs %s it reuses vanished from the"
                                + " store right after (garbage collection on another node?): this version cannot be"
                                + " restored; keep the checkpoint image", containerId,
                                committed.manifest().version(), gone);
                    }
                    done(listener, uploaded.logicalBytes());
                    return new CommitResult(containerId, committed.manifest().version(), uploaded.logicalBytes(),
                            uploaded.storedBytes(), uploaded.packBytes() + committed.bytes(), uploaded.chunks(),
                            uploaded.newChunks(), Duration.ofNanos(System.nanoTime() - started), gone);
                }
            }
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /**
     * The pages of the version this node last wrote or restored for the container, to store only what changed
     * since; none when the cache has no entry, the version is gone, or anything fails to verify.
     */
    private ParentPages parentPages(String containerId) {
        if (!settings.pageImages()) {
            return ParentPages.NONE;
        }
        Optional<PageDigestCache.Entry> cached = pageDigests.read(containerId);
        if (cached.isEmpty()) {
            return ParentPages.NONE;
        }
        long version = cached.get().version();
        try {
            Manifest remembered;
            synchronized (lastManifests) {
                remembered = lastManifests.get(containerId);
            }
            // A remembered version is only trusted while it is still in the store (retention may have deleted it).
            Manifest parent = remembered != null && remembered.version() == version
                    && store.stat(ManifestNames.blobName(containerId, version)).isPresent() ? remembered
                    : codec.decode(reader.read(containerId, version), containerId, version, true);
            return ParentPages.of(parent, cached.get(), ChunkCodec.of(settings));
        } catch (CheckpointNotFoundException e) {
            LOG.debugf("version %d of %s, which the page digest cache knows, is gone; storing every page", version,
                    containerId);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot use version %d of %s as the parent of its next checkpoint (%s); storing every page",
                    version, containerId, e.getMessage());
        }
        return ParentPages.NONE;
    }

    private void remember(Manifest manifest) {
        synchronized (lastManifests) {
            lastManifests.put(manifest.containerId(), manifest);
        }
    }

    /** Packs the index pointed at are gone or shorter than the chunks in them need. */
    static final class VanishedPacksException extends IOException {
        VanishedPacksException(String message) {
            super(message);
        }
    }

    /**
     * Chunks found in the index live in packs of earlier versions. Another process may have deleted those versions
     * and collected the packs meanwhile, or the index may be wrong; committing would then publish a version that
     * cannot be restored. Each reused pack must exist and reach past the last chunk this version uses in it.
     */
    private void verifyReusedPacks(CheckpointUpload.Uploaded uploaded, ProgressTracker progress) throws IOException {
        Set<String> missing = new HashSet<>();
        for (Map.Entry<String, Long> reused : uploaded.packsReused().entrySet()) {
            String pack = reused.getKey();
            if (!uploaded.packsWritten().contains(pack)) {
                Optional<BlobInfo> info = store.stat(PackWriter.blobName(pack));
                if (info.isEmpty() || info.get().length() < reused.getValue()) {
                    missing.add(pack);
                }
            }
            progress.advance(1);
        }
        if (!missing.isEmpty()) {
            index.forgetPacks(missing);
            throw new VanishedPacksException("packs " + missing + " that earlier versions reference have vanished"
                    + " from the store or are shorter than recorded (deleted by another process?); this checkpoint"
                    + " was not committed, and a retry will upload those chunks again");
        }
    }

    /**
     * Checked again once the manifest is committed: a collection on another node that synced before the commit may
     * have deleted a reused pack between the check before the commit and the commit itself.
     */
    private Set<String> reusedPacksGone(CheckpointUpload.Uploaded uploaded) throws IOException {
        Set<String> gone = new TreeSet<>();
        for (String pack : uploaded.packsReused().keySet()) {
            if (!uploaded.packsWritten().contains(pack) && store.stat(PackWriter.blobName(pack)).isEmpty()) {
                gone.add(pack);
            }
        }
        if (!gone.isEmpty()) {
            index.forgetPacks(gone);
        }
        return gone;
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
                try {
                    index.add(name, json.length, modifiedOf(name), manifest, true);
                } catch (RuntimeException e) {
                    // The version is committed whatever the cache says; the next sync records it from the store.
                }
                return new Committed(manifest, json.length);
            }
        }
        throw new IOException("could not find a free version number for container " + containerId + " after "
                + MAX_VERSION_ATTEMPTS + " attempts");
    }

    /** The store's time of a blob just written, as a listing will report it; epoch when unknown (read again later). */
    private Instant modifiedOf(String name) {
        try {
            return store.stat(name).map(BlobInfo::modified).orElse(Instant.EPOCH);
        } catch (IOException | RuntimeException e) {
            return Instant.EPOCH;
        }
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
        byte[] json = reader.read(containerId, version);
        Manifest manifest = codec.decode(json, containerId, version, true);
        CheckpointRestore restore = new CheckpointRestore(store, settings, io);
        RestoreResult result = restore.restore(manifest, json.length, targetDir, listener);
        if (!restore.pageDigests().isEmpty()) {
            // The node now holds this version: its next checkpoint of the container stores only what changed.
            pageDigests.write(containerId, version, restore.pageDigests());
            remember(manifest);
        }
        done(listener, manifest.logicalBytes());
        return result;
    }

    /** The verified manifest of a version (as restore would accept it). */
    public Manifest manifest(String containerId, long version) throws IOException {
        return codec.decode(reader.read(containerId, version), containerId, version, true);
    }

    /**
     * The packs a version's chunks live in, each blob name with its length in the store, sorted: what a node pulls
     * ahead of restoring the version ({@link PackCache#fetch}).
     *
     * @throws CheckpointNotFoundException no such version
     * @throws CheckpointCorruptException  the manifest failed verification, or a pack it references is missing
     */
    public Map<String, Long> packs(String containerId, long version) throws IOException {
        Manifest manifest = manifest(containerId, version);
        Set<String> ids = new TreeSet<>();
        for (ManifestFile file : manifest.files()) {
            file.chunks().forEach(chunk -> ids.add(chunk.pack()));
        }
        Map<String, Long> packs = new java.util.TreeMap<>();
        for (String id : ids) {
            String blob = PackWriter.blobName(id);
            Optional<BlobInfo> info = store.stat(blob);
            if (info.isEmpty()) {
                throw CheckpointCorruptException.ofManifest(containerId, version, "references pack " + blob
                        + ", which does not exist (deleted with a version it was written by?)", null);
            }
            packs.put(blob, info.get().length());
        }
        return packs;
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
                CheckpointVersion described = describe(containerId, version.getAsLong(), info);
                // a manifest deleted (retention, rm-checkpoint) between the listing and its read is gone, not
                // an incomplete version
                if (described.complete() || store.stat(info.name()).isPresent()) {
                    versions.add(described);
                }
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
            return codec.decode(reader.read(containerId, version), containerId, version, true).summary();
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
     * Deletes packs that no committed manifest references and that are older than the grace period, and name
     * markers of containers that have no version left. Waits for uploads of this process to commit or fail, and keeps
     * them out meanwhile. Refuses to run while any manifest in the store cannot be read: the packs it references
     * would be unknown. Packs that are partly referenced are kept whole. Reads only the manifests the index does not
     * know yet, one at a time.
     */
    public GcReport collectGarbage() throws IOException {
        gcLock.writeLock().lock();
        try {
            GcReport report = new GarbageCollection(store, clock.instant(), settings.gcGrace(), index, sync,
                    names).run();
            synchronized (this) {
                indexLoaded = true; // the sync inside was the freshest view of the store
            }
            return report;
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    /**
     * Signs the manifests of this store that carry no MAC, for a local store whose key was just generated (see
     * {@link ManifestSigning}); never for a shared store, where an unsigned manifest may come from anyone.
     *
     * @return how many manifests were signed
     */
    public int signUnsignedManifests() throws IOException {
        if (settings.macKey().isEmpty()) {
            throw new IllegalStateException("no MAC key configured: nothing to sign with");
        }
        gcLock.writeLock().lock();
        try {
            int signed = new ManifestSigning(store, codec, reader).signUnsigned();
            synchronized (this) {
                indexLoaded = false; // the signed manifests now count for dedup
            }
            return signed;
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    /**
     * The container id whose checkpoints carry this name, without reading every manifest: the name markers give
     * candidates, and a candidate counts only when its own newest verified version carries the name. Among several,
     * the one with the newest such version wins. A store written before markers existed is searched once by every
     * container's newest manifest, and the markers found missing are written.
     */
    public Optional<String> containerIdForName(String containerName) throws IOException {
        try {
            validateName(containerName);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return names.containerIdFor(containerName, this::latest);
    }

    /** Whether the store holds any manifest of this container id (readable or not); false for an invalid id. */
    public boolean hasVersions(String containerId) throws IOException {
        try {
            return !store.list(ManifestNames.prefix(containerId)).isEmpty();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void ensureIndex() throws IOException {
        synchronized (this) {
            if (indexLoaded) {
                return;
            }
            // Manifests that cannot be read now only mean less dedup; garbage collection is where they must stop.
            sync.sync();
            indexLoaded = true;
        }
    }

    /**
     * What the cached index depends on besides the store's content: which store, which MAC key decides trust, and
     * which encryption key names the chunks (chunk ids are keyed hashes when encrypting).
     */
    private static String indexIdentity(BlobStore store, RepositorySettings settings) {
        return store.name() + "|mac=" + fingerprint(settings.macKey()) + "|enc=" + fingerprint(settings.encryptionKey());
    }

    /** A fingerprint, never the key: which key, not what it is. */
    private static String fingerprint(java.util.Optional<byte[]> key) {
        return key.map(k -> {
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(k, "HmacSHA256"));
                return java.util.HexFormat.of().formatHex(mac.doFinal("hydra chunk index".getBytes(
                        java.nio.charset.StandardCharsets.US_ASCII)));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is unavailable", e);
            }
        }).orElse("none");
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
        try {
            closeThreads();
        } finally {
            index.close();
            if (privateIndexDir != null) {
                CheckpointRestore.deleteTree(privateIndexDir);
            }
        }
    }

    private void closeThreads() {
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
