package io.hydra.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jboss.logging.Logger;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.repo.CheckpointRepository;
import io.hydra.runtime.checkpoint.repo.CheckpointVersion;
import io.hydra.runtime.checkpoint.repo.CommitResult;
import io.hydra.runtime.checkpoint.repo.ProgressListener;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.container.OciRuntime;
import io.hydra.runtime.recovery.CrashPoint;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.Intent;
import io.hydra.runtime.state.StateStore;
import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.checkpoint.CheckpointOptions;
import io.hydra.spi.checkpoint.CheckpointRequest;
import io.hydra.spi.checkpoint.CheckpointResult;
import io.hydra.spi.storage.BlobStore;

/**
 * Checkpoints and restores: the backend dumps a container into a local staging directory, the repository turns
 * that into a committed version in object storage, and a restore verifies a version into a fresh directory before
 * a monitor hands it to the runtime. A daemon-wide semaphore keeps many due checkpoints from freezing the host at
 * once.
 */
public final class CheckpointService {
    private static final Logger LOG = Logger.getLogger(CheckpointService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The container's config.json travels inside the image, under this name. */
    static final String BUNDLE_CONFIG = "hydra-bundle-config.json";

    /**
     * What a checkpoint or restore did, for the API's summary line.
     *
     * @param changedFraction of a checkpoint, the share of the image's chunks or page records it had to store (0 to
     *                        1; 1 for a restore): a migration's rounds converge on it
     */
    public record Outcome(ContainerRecord container, long version, long logicalBytes, long storedBytes, long movedBytes,
                          long frozenMillis, Duration duration, double changedFraction) {
    }

    private final ContainerService containers;
    private final StateStore store;
    private final OciRuntime runtime;
    private final CheckpointBackend backend;
    private final CheckpointRepository repository;
    private final BlobStore blobs;
    private final Path staging;
    private final String nodeId;
    private final Semaphore concurrent;
    /** hydra.checkpoint.unsigned-restore: see {@link RestoreConfig#forRestore}. */
    private final boolean unsignedRestore;
    /** Seals the metadata values that can hold secrets (the command) when chunks are encrypted. */
    private final MetadataCipher metadataCipher;
    private final ImageRoots imageRoots;
    private final WritableLayerDump layerDump;
    private final LazyDumps lazyDumps;
    private final VersionRestore restores;
    private final ImageContainerVersions imageVersions;
    private final java.util.concurrent.atomic.AtomicLong lastGc = new java.util.concurrent.atomic.AtomicLong();
    private static final Duration GC_EVERY = Duration.ofMinutes(10);
    /** How long a checkpoint waits for another one's upload to finish before it is refused. */
    private static final Duration UPLOAD_WAIT = Duration.ofSeconds(30);

    public CheckpointService(ContainerService containers, StateStore store, OciRuntime runtime,
                             CheckpointBackend backend, CheckpointRepository repository, BlobStore blobs, Path staging,
                             String nodeId, int maxConcurrent, boolean unsignedRestore, Path lazyRestores) {
        this.containers = containers;
        this.store = store;
        this.runtime = runtime;
        this.backend = backend;
        this.repository = repository;
        this.blobs = blobs;
        this.staging = staging;
        this.nodeId = nodeId;
        this.concurrent = new Semaphore(Math.max(1, maxConcurrent), true);
        this.unsignedRestore = unsignedRestore;
        this.metadataCipher = new MetadataCipher(repository.settings().encryptionKey());
        this.imageRoots = containers.containers().imageRoots();
        this.layerDump = new WritableLayerDump(backend, runtime, imageRoots);
        this.imageVersions = new ImageContainerVersions(imageRoots);
        this.restores = new VersionRestore(this, containers, backend, repository, staging, lazyRestores,
                unsignedRestore, metadataCipher, imageVersions);
        this.lazyDumps = new LazyDumps(this, containers, store, runtime, backend, repository, imageRoots, staging);
    }

    /** The source's half of a post-copy migration. */
    public LazyDumps lazyDumps() {
        return lazyDumps;
    }

    /** Removes a lazy version nothing can restore any more (its migration ended), best effort. */
    public void removeLazyVersion(String containerId, long version) {
        lazyDumps.deleteVersion(containerId, version);
    }

    public CheckpointBackend backend() {
        return backend;
    }

    // ---- checkpoint

    public Outcome checkpoint(String nameOrId, CheckpointOptions options, ProgressListener progress) {
        return checkpoint(nameOrId, options, progress, CheckpointPolicies.Gate.OPEN);
    }

    /**
     * A checkpoint whose version is stored only if {@code beforeUpload} still allows it once the dump is done: the
     * dump can take seconds, and a node that may have been lost meanwhile (fenced) must not add a version the
     * container's new owner would restore. Only a leave-running checkpoint can be held back (a stopping one's image is
     * the only copy of the processes).
     */
    public Outcome checkpoint(String nameOrId, CheckpointOptions options, ProgressListener progress,
                              CheckpointPolicies.Gate beforeUpload) {
        ContainerRecord r = containers.find(nameOrId);
        if (r.status() != ContainerStatus.running) {
            throw HydraException.conflict("container " + r.name() + " is " + r.status()
                    + "; only a running container can be checkpointed");
        }
        if (options.leaveRunning()) {
            awaitUploadInFlight(r);
        }
        try {
            concurrent.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HydraException.failed("interrupted while waiting for a checkpoint slot");
        }
        Path dir = staging.resolve(r.id() + "-" + UUID.randomUUID());
        // a stopping checkpoint's image may become the only copy of the processes the moment the dump starts: it is
        // kept unless a path proves it is not needed (committed, restored from, or the dump failed with the
        // container still live)
        AtomicBoolean keepImage = new AtomicBoolean(!options.leaveRunning());
        try {
            return checkpointInto(r.id(), dir, options, progress, keepImage, beforeUpload);
        } finally {
            concurrent.release();
            if (!keepImage.get()) {
                ContainerService.deleteTree(dir);
            }
        }
    }

    /**
     * A leave-running checkpoint of the container that is still uploading (its dump done, its lock released, its
     * intent not settled yet) ends in seconds: a second leave-running checkpoint waits for it rather than being
     * refused, since a policy's checkpoints fall due at any instant. A stopping checkpoint meanwhile is still refused
     * (it would stop the container under an upload that is not its own), and so is anything during a stopping or
     * post-copy dump.
     */
    private void awaitUploadInFlight(ContainerRecord r) {
        long until = System.nanoTime() + UPLOAD_WAIT.toNanos();
        while (System.nanoTime() < until && store.intent(r.id()).filter(i -> i.kind() == Intent.Kind.checkpoint
                && Boolean.parseBoolean(i.get(Intent.LEAVE_RUNNING))).isPresent()) {
            try {
                // the intent settles by a store commit, which notifies no one: looked at again shortly
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The dump under the container's lock, then the upload outside it. The intent (where the staged image is) is
     * durable before the dump; a stopping checkpoint's image is the only copy of the container's processes until its
     * version is committed, so no path deletes it before that: a failed upload restores the container from it, and
     * if that fails too the image stays where the error says.
     */
    private Outcome checkpointInto(String id, Path dir, CheckpointOptions options, ProgressListener progress,
                                   AtomicBoolean keepImage, CheckpointPolicies.Gate beforeUpload) {
        Path image = dir.resolve("image");
        Path work = dir.resolve("work");
        long start = System.nanoTime();
        // the dump runs under the container's lock: no stop, rm or restart can interleave with it
        Dumped dumped = containers.locked(id, r -> {
            if (r.status() != ContainerStatus.running) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + "; not checkpointing");
            }
            ContainerService.refuseDuringCheckpoint(store, r, "checkpoint");
            imageRoots.pinForCheckpoints(r);
            Intent intent = Intent.of(r.id(), Intent.Kind.checkpoint, Map.of(Intent.IMAGE, dir.toString(),
                    Intent.LEAVE_RUNNING, Boolean.toString(options.leaveRunning()), Intent.PHASE, Intent.DUMPING,
                    "tcpEstablished", Boolean.toString(options.tcpEstablished()),
                    "fileLocks", Boolean.toString(options.fileLocks())));
            store.commit(StateStore.Change.intent(intent));
            CrashPoint.at("checkpoint.intent-written");
            CheckpointResult result;
            try {
                Files.createDirectories(image);
                Files.copy(r.bundle().resolve("config.json"), image.resolve(BUNDLE_CONFIG));
                // an image container's writable layer is taken with the memory, at the same instant
                result = layerDump.dump(r, new CheckpointRequest(r.id(), runtime.ref(), image, work, options));
            } catch (Throwable e) {
                throw dumpFailed(r, intent, image, options, keepImage, e);
            }
            CrashPoint.at("checkpoint.dumped");
            Map<String, String> metadata = metadata(r, options, result, dir);
            Intent dumpedIntent = intent.with(Intent.PHASE, Intent.DUMPED);
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                dumpedIntent = dumpedIntent.with(META + m.getKey(), m.getValue());
            }
            ContainerRecord after;
            try {
                if (options.leaveRunning()) {
                    store.commit(StateStore.Change.intent(dumpedIntent));
                    after = r;
                } else {
                    after = containers.markCheckpointed(r, dumpedIntent);
                }
            } catch (RuntimeException | Error e) {
                if (options.leaveRunning()) {
                    store.commit(StateStore.Change.settlingOwnOnly(intent));
                    throw e;
                }
                // the processes are in the image only now: it stays, with the intent saying where it is
                throw HydraException.failed("checkpoint of " + r.name() + " dumped but recording it failed ("
                        + e.getMessage() + "); the image is kept at " + image);
            }
            CrashPoint.at("checkpoint.marked");
            return new Dumped(after, result, metadata, dumpedIntent);
        });
        ContainerRecord r = dumped.container();
        Intent own = dumped.intent();
        if (options.leaveRunning()) {
            Optional<String> refusal;
            try {
                refusal = beforeUpload.refusal(r.id());
            } catch (RuntimeException e) {
                refusal = Optional.of("its ownership cannot be checked: " + e.getMessage());
            }
            if (refusal.isPresent()) {
                store.commit(StateStore.Change.settlingOwnOnly(own));
                throw HydraException.conflict("checkpoint of " + r.name() + " not stored: " + refusal.get());
            }
        }
        CommitResult committed;
        try {
            committed = requireRestorable(r,
                    repository.checkpoint(r.id(), r.name(), image, dumped.metadata(), progress));
        } catch (Throwable e) {
            if (options.leaveRunning()) {
                store.commit(StateStore.Change.settlingOwnOnly(own));
                throw HydraException.failed("checkpoint upload of " + r.name() + " failed: " + e.getMessage());
            }
            // the processes exist only in the local image now: bring them back rather than lose them
            LOG.errorf("upload of %s's checkpoint failed (%s); restoring it from the local image", r.name(),
                    e.getMessage());
            try {
                restoreLocal(r, image, options, "upload-failed");
                keepImage.set(false);
            } catch (Throwable restoreFailure) {
                throw HydraException.failed("checkpoint upload of " + r.name() + " failed (" + e.getMessage()
                        + ") and restoring it from the local image failed too: "
                        + restoreFailure.getMessage() + "; the image is kept at " + image);
            }
            throw HydraException.failed("checkpoint upload of " + r.name() + " failed: " + e.getMessage()
                    + "; the container was restored from its local image and runs");
        }
        CrashPoint.at("checkpoint.committed");
        long frozen = dumped.result().frozen().toMillis();
        store.commit(StateStore.Change.events(containers.event(EventType.CHECKPOINT_CREATED, r,
                "version", committed.version(), "bytes", committed.logicalBytes(), "storedBytes",
                committed.storedBytes(), "frozenMs", frozen, "leaveRunning", options.leaveRunning()))
                .settlingOwn(own));
        keepImage.set(false);
        return new Outcome(containers.find(r.id()), committed.version(), committed.logicalBytes(),
                committed.storedBytes(), committed.bytesMoved(), frozen, Duration.ofNanos(System.nanoTime() - start),
                committed.chunks() == 0 ? 0 : Math.min(1.0, (double) committed.newChunks() / committed.chunks()));
    }

    /** Intent data keys under this prefix are the version's metadata, kept for a commit that recovery finishes. */
    private static final String META = "meta.";
    /** Names the staged image a version was committed from, so recovery never commits one image twice. */
    private static final String STAGING_ID = "stagingId";

    Map<String, String> metadata(ContainerRecord r, CheckpointOptions options, CheckpointResult result,
                                         Path dir) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("node", nodeId);
        metadata.put("frozenMs", Long.toString(result.frozen().toMillis()));
        metadata.put("dumpMs", Long.toString(result.total().toMillis()));
        metadata.put("monitor", r.monitor());
        metadata.put("interactive", Boolean.toString(r.interactive()));
        metadata.put("leaveRunning", Boolean.toString(options.leaveRunning()));
        metadata.put("tcpEstablished", Boolean.toString(options.tcpEstablished()));
        metadata.put("fileLocks", Boolean.toString(options.fileLocks()));
        metadata.put("backend", backend.name());
        metadata.put(STAGING_ID, dir.getFileName().toString());
        // a restore elsewhere refuses a stored config whose root differs from the one the container had
        metadata.put("rootfs", RestoreConfig.rootPath(r.bundle().resolve("config.json")));
        ImageContainerVersions.record(r, metadata);
        try {
            metadata.put("command", JSON.writeValueAsString(r.command()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // sealed before the intent records it, so recovery commits the same sealed values
        return metadataCipher.seal(metadata);
    }

    private record Dumped(ContainerRecord container, CheckpointResult result, Map<String, String> metadata,
                          Intent intent) {
    }

    /**
     * A dump failed or timed out. If the container still runs (or was left frozen, then it is resumed), the image is
     * worthless and goes with the intent. If its processes are gone, CRIU may have dumped them and killed them
     * before the failure: the image is all that is left, so the intent and the image stay and the container is
     * restored from it.
     */
    private HydraException dumpFailed(ContainerRecord r, Intent intent, Path image, CheckpointOptions options,
                                      AtomicBoolean keepImage, Throwable failure) {
        String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        if (options.leaveRunning()) {
            store.commit(StateStore.Change.settlingOwnOnly(intent));
            return failure instanceof HydraException he ? he
                    : HydraException.failed("checkpoint of " + r.name() + " failed: " + why);
        }
        Optional<io.hydra.runtime.container.RuntimeState> state;
        try {
            state = runtime.state(r.id());
        } catch (RuntimeException e) {
            return HydraException.failed("checkpoint of " + r.name() + " failed (" + why + ") and the runtime cannot"
                    + " say whether it still runs (" + e.getMessage() + "); the image is kept at " + image);
        }
        if (state.isPresent() && state.get().live()) {
            if ("paused".equals(state.get().status())) {
                try {
                    runtime.resume(r.id());
                } catch (RuntimeException e) {
                    LOG.warnf("%s stayed frozen after its failed dump and cannot be resumed: %s", r.name(),
                            e.getMessage());
                }
            }
            store.commit(StateStore.Change.settlingOwnOnly(intent));
            keepImage.set(false);
            return failure instanceof HydraException he ? he
                    : HydraException.failed("checkpoint of " + r.name() + " failed: " + why);
        }
        LOG.errorf("checkpoint of %s failed (%s) after its processes were gone; restoring it from the local image",
                r.name(), why);
        try {
            ContainerRecord stopped = containers.markCheckpointed(r, intent);
            restoreLocal(stopped, image, options, "dump-failed-after-kill");
            keepImage.set(false);
            return HydraException.failed("checkpoint of " + r.name() + " failed (" + why + ") after its processes"
                    + " were gone; the container was restored from its local image and runs");
        } catch (Throwable restoreFailure) {
            return HydraException.failed("checkpoint of " + r.name() + " failed (" + why + ") after its processes"
                    + " were gone, and restoring it from the local image failed too: " + restoreFailure.getMessage()
                    + "; the image is kept at " + image);
        }
    }

    private void restoreLocal(ContainerRecord r, Path image, CheckpointOptions options, String reason) {
        // the container is this node's own: its bundle, not the copy in the image, is the config
        // an image this daemon staged itself on this node: storage is not involved
        byte[] config = RestoreConfig.forRestore(r, Optional.of(r), image.resolve(BUNDLE_CONFIG), null,
                new RestoreConfig.StoreTrust(true, false), "the local image of " + r.name(),
                backend.bundleAnnotations(r.containerDir()));
        // no process ran since the dump, so an image container's writable layer is still the one it dumped with;
        // its root is only mounted again (a reboot since then unmounted it)
        containers.restoreFromImage(containers.find(r.id()), config, image, backend.restoreOptions(options),
                Map.of("reason", reason, "version", 0), () -> imageRoots.remount(r));
    }

    // ---- what recovery finishes (the caller holds the container's lock)

    /**
     * A version whose reused packs vanished after its commit (another node's garbage collection in the instant
     * between the pack check and the manifest) cannot be restored: it is removed again, and the caller treats the
     * checkpoint as failed, so a stopping checkpoint's staged image is never deleted on the strength of it.
     */
    CommitResult requireRestorable(ContainerRecord r, CommitResult committed) throws IOException {
        if (committed.restorable()) {
            return committed;
        }
        try {
            repository.delete(r.id(), committed.version());
        } catch (IOException | RuntimeException e) {
            LOG.errorf("cannot remove the unrestorable version %d of %s: %s", committed.version(), r.name(),
                    e.getMessage());
        }
        throw new IOException("version " + committed.version() + " of " + r.name() + " lost packs it reuses "
                + committed.reusedPacksGone() + " to a concurrent garbage collection; it was removed");
    }

    /**
     * Finishes the commit of a staged stopping checkpoint that a crash interrupted: uploads the image (unless a
     * version was committed from it already), records the event and settles the intent. Returns the version.
     */
    public long commitStaged(ContainerRecord r, Intent intent) throws IOException {
        Path image = Path.of(intent.get(Intent.IMAGE)).resolve("image");
        Map<String, String> metadata = new LinkedHashMap<>();
        intent.data().forEach((k, v) -> {
            if (k.startsWith(META)) {
                metadata.put(k.substring(META.length()), v);
            }
        });
        String stagingId = metadata.get(STAGING_ID);
        Optional<CheckpointVersion> already = repository.versions(r.id()).stream()
                .filter(v -> v.complete() && stagingId != null && stagingId.equals(v.metadata().get(STAGING_ID)))
                .findFirst();
        long version;
        if (already.isPresent()) {
            version = already.get().version();
        } else {
            if (!Files.isDirectory(image)) {
                throw new IOException("the staged image " + image + " is gone");
            }
            CommitResult committed = requireRestorable(r,
                    repository.checkpoint(r.id(), r.name(), image, metadata, ProgressListener.NONE));
            version = committed.version();
        }
        store.commit(StateStore.Change.events(containers.event(EventType.CHECKPOINT_CREATED, r, "version", version,
                "recovered", true, "leaveRunning", false)).settling(r.id()));
        return version;
    }

    /** Restores a container from the staged image of its interrupted checkpoint; the intent settles with it. */
    public ContainerRecord restoreStaged(ContainerRecord r, Intent intent) {
        Path image = Path.of(intent.get(Intent.IMAGE)).resolve("image");
        CheckpointOptions options = new CheckpointOptions(false, Optional.empty(),
                Boolean.parseBoolean(intent.get("tcpEstablished")), Boolean.parseBoolean(intent.get("fileLocks")));
        restoreLocal(r, image, options, "recovered-from-staged-image");
        return containers.find(r.id());
    }

    // ---- listing and removal

    public List<CheckpointVersion> versions(String nameOrId) {
        String id = containerIdFor(nameOrId);
        try {
            return repository.versions(id);
        } catch (IOException e) {
            throw HydraException.failed("cannot list checkpoints of " + nameOrId + ": " + e.getMessage());
        }
    }

    public void remove(String nameOrId, long version) {
        String id = containerIdFor(nameOrId);
        CheckpointVersion v = findVersion(id, nameOrId, version);
        try {
            repository.delete(id, version);
        } catch (IOException e) {
            throw HydraException.failed("cannot remove version " + version + " of " + nameOrId + ": " + e.getMessage());
        }
        store.commit(StateStore.Change.events(HydraEvent.of(EventType.CHECKPOINT_DELETED, nodeId, id,
                Map.of("name", v.containerName(), "version", version, "node", nodeId))));
        unpinImageIfLastVersion(id, v);
        collectGarbageIfDue();
    }

    /** The last version of an image container gone: its image may go too (retention always keeps one). */
    private void unpinImageIfLastVersion(String id, CheckpointVersion deleted) {
        try {
            if (repository.versions(id).isEmpty()) {
                imageRoots.unpinCheckpoints(id, deleted.metadata().get(ImageContainerVersions.IMAGE_DIGEST));
            }
        } catch (IOException | RuntimeException e) {
            // a pin left behind keeps the image's blobs longer, and rmi names it
            LOG.warnf("cannot release the image pin of %s's checkpoints: %s", deleted.containerName(), e.getMessage());
        }
    }

    /** Keeps the newest {@code keep} complete versions, recording each deletion. */
    public void applyRetention(String containerId, int keep) throws IOException {
        List<CheckpointVersion> complete = repository.versions(containerId).stream()
                .filter(CheckpointVersion::complete).sorted(Comparator.comparingLong(CheckpointVersion::version))
                .toList();
        for (int i = 0; i < complete.size() - keep; i++) {
            CheckpointVersion v = complete.get(i);
            repository.delete(containerId, v.version());
            store.commit(StateStore.Change.events(HydraEvent.of(EventType.CHECKPOINT_DELETED, nodeId, containerId,
                    Map.of("name", v.containerName(), "version", v.version(), "node", nodeId, "reason", "retention"))));
        }
    }

    /**
     * Removes packs no kept version references, at most every ten minutes (the repository itself spares packs
     * younger than its grace period, which a checkpoint in flight elsewhere may be writing).
     */
    public void collectGarbageIfDue() {
        long now = System.nanoTime();
        long last = lastGc.get();
        if (last != 0 && now - last < GC_EVERY.toNanos() || !lastGc.compareAndSet(last, now)) {
            return;
        }
        try {
            var report = repository.collectGarbage();
            if (!report.removedPacks().isEmpty()) {
                LOG.infof("checkpoint garbage collection removed %d packs (%d bytes)", report.removedPacks().size(),
                        report.removedBytes());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("checkpoint garbage collection failed: %s", e.getMessage());
        }
    }

    // ---- restore (VersionRestore)

    public Outcome restore(String nameOrId, long version, String as, ProgressListener progress) {
        return restores.restore(nameOrId, version, as, progress);
    }

    /** See {@link VersionRestore#restoreMigrated}. */
    public Optional<LazyRestore> restoreMigrated(String containerId, long version,
                                                 PageServerCredentials credentials) {
        return restores.restoreMigrated(containerId, version, credentials);
    }

    /** See {@link VersionRestore#reopenLazyRestore}. */
    public Optional<LazyRestore> reopenLazyRestore(String containerId, PageServerCredentials credentials) {
        return restores.reopenLazyRestore(containerId, credentials);
    }

    /** The containers a post-copy fetcher was started for on this node and not cleared since. */
    public List<String> lazyRestoreIds() {
        return restores.lazyRestoreIds();
    }

    CheckpointVersion latest(String id, String nameOrId) {
        // a post-copy image without its memory is never a container's latest state to come back to
        return versions(id).stream().filter(CheckpointVersion::complete).filter(v -> !LazyVersions.isLazy(v))
                .max(Comparator.comparingLong(CheckpointVersion::version))
                .orElseThrow(() -> HydraException.notFound("container " + nameOrId + " has no complete checkpoint"));
    }

    CheckpointVersion findVersion(String id, String nameOrId, long version) {
        if (version <= 0) {
            throw HydraException.invalid("checkpoint version must be a positive number, got " + version);
        }
        return versions(id).stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> HydraException.notFound("container " + nameOrId + " has no checkpoint version "
                        + version));
    }

    Optional<ContainerRecord> findLocal(String nameOrId) {
        try {
            return Optional.of(containers.find(nameOrId));
        } catch (HydraException e) {
            if (e.kind() == HydraException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The container id whose checkpoints a name stands for: a container of this node, or else one whose checkpoints
     * are in the repository under that name or id (a container of another node, or one removed here).
     */
    String containerIdFor(String nameOrId) {
        Optional<ContainerRecord> local = findLocal(nameOrId);
        if (local.isPresent()) {
            return local.get().id();
        }
        try {
            if (repository.hasVersions(nameOrId)) {
                return nameOrId;
            }
            // The repository's name markers, verified against the manifests they point at: no scan of every manifest.
            return repository.containerIdForName(nameOrId).orElseThrow(() -> HydraException.notFound(
                    "no such container: " + nameOrId + " (not on this node, and no checkpoint in the repository"
                            + " carries that name)"));
        } catch (IOException e) {
            throw HydraException.failed("cannot search the checkpoint repository: " + e.getMessage());
        }
    }
}
