package io.hydra.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.repo.CheckpointRepository;
import io.hydra.runtime.checkpoint.repo.CommitResult;
import io.hydra.runtime.checkpoint.repo.ProgressListener;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.container.OciRuntime;
import io.hydra.runtime.container.RuntimeState;
import io.hydra.runtime.recovery.CrashPoint;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.Intent;
import io.hydra.runtime.state.StateStore;
import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.checkpoint.CheckpointException;
import io.hydra.spi.checkpoint.CheckpointOptions;
import io.hydra.spi.checkpoint.CheckpointRequest;
import io.hydra.spi.checkpoint.CheckpointResult;
import io.hydra.spi.checkpoint.LazyDump;
import io.hydra.spi.checkpoint.LazyDumpRequest;
import io.hydra.spi.checkpoint.LazyTransfer;
import io.hydra.spi.checkpoint.PageServer;

/**
 * The source's half of post-copy: a lazy dump whose image without memory is stored as a version of its own (the
 * target restores it like any other, and faults the memory in from the page server). Until the dump ends the
 * container is frozen here and its processes are the only copy of its memory: a checkpoint intent marked
 * {@link Intent#LAZY} says so across a crash. The dump ends one of two ways: every page went to the target and
 * the processes here are gone ({@link Served#gone}), or the target did not take them all and the container runs
 * here again ({@link Served#resumed}).
 */
public final class LazyDumps {
    private static final Logger LOG = Logger.getLogger(LazyDumps.class);

    private final CheckpointService service;
    private final ContainerService containers;
    private final StateStore store;
    private final OciRuntime runtime;
    private final CheckpointBackend backend;
    private final CheckpointRepository repository;
    private final ImageRoots imageRoots;
    private final Path staging;

    LazyDumps(CheckpointService service, ContainerService containers, StateStore store, OciRuntime runtime,
              CheckpointBackend backend, CheckpointRepository repository, ImageRoots imageRoots, Path staging) {
        this.service = service;
        this.containers = containers;
        this.store = store;
        this.runtime = runtime;
        this.backend = backend;
        this.repository = repository;
        this.imageRoots = imageRoots;
        this.staging = staging;
    }

    /** A lazy dump whose image is stored as {@link #version}: the container is frozen, its memory served. */
    public final class Served {
        private final ContainerRecord container;
        private final LazyDump dump;
        private final Intent intent;
        private final Path dir;
        private final long version;
        private final long movedBytes;
        private final Duration duration;

        private Served(ContainerRecord container, LazyDump dump, Intent intent, Path dir, long version,
                       long movedBytes, Duration duration) {
            this.container = container;
            this.dump = dump;
            this.intent = intent;
            this.dir = dir;
            this.version = version;
            this.movedBytes = movedBytes;
            this.duration = duration;
        }

        public long version() {
            return version;
        }

        /** What the image without memory (and an image container's writable layer) added to the store. */
        public long movedBytes() {
            return movedBytes;
        }

        /** From the freeze to the stored version: the source's share of the downtime. */
        public Duration duration() {
            return duration;
        }

        public LazyTransfer awaitEnd(Duration timeout) {
            return dump.awaitEnd(timeout);
        }

        /** Ends the dump before the target has every page: the container runs here again. */
        public void abort() {
            dump.abort();
        }

        /**
         * After {@code COMPLETE}: the processes here are gone and their memory is the target's; the record says
         * {@code checkpointed} (its exit is not a crash to restart). The caller still holds the lock.
         */
        public ContainerRecord gone() {
            ContainerRecord stopped = containers.markCheckpointed(containers.containers().current(container.id()),
                    null);
            store.commit(StateStore.Change.settlingOwnOnly(intent));
            ContainerService.deleteTree(dir);
            return stopped;
        }

        /**
         * After {@code FAILED} (or an abort): whether the container runs here again. Its lazy version goes, since
         * nothing can restore it once the page server is gone. When its processes are gone too, its memory is
         * lost: the record says {@code checkpointed}, and only a stored version can bring it back.
         */
        public boolean resumed() {
            deleteVersion(container.id(), version);
            boolean live;
            try {
                live = runtime.state(container.id()).map(RuntimeState::live).orElse(false);
            } catch (RuntimeException e) {
                live = false;
            }
            if (live) {
                store.commit(StateStore.Change.settlingOwnOnly(intent));
            } else {
                LOG.errorf("the lazy dump of %s failed and its processes are gone", container.name());
                containers.markCheckpointed(containers.containers().current(container.id()), null);
                store.commit(StateStore.Change.settlingOwnOnly(intent));
            }
            ContainerService.deleteTree(dir);
            return live;
        }
    }

    /**
     * Freezes the container into a lazy dump served at {@code listen} and stores its image without memory. The
     * caller holds the container's lock, and keeps it until the dump ended (an exit seen meanwhile is the dump's).
     * A dump that cannot start, or whose image cannot be stored, leaves the container running as before.
     */
    public Served dump(ContainerRecord r, PageServer listen, ProgressListener progress) {
        if (r.status() != ContainerStatus.running) {
            throw HydraException.conflict("container " + r.name() + " is " + r.status()
                    + "; only a running container can be migrated");
        }
        ContainerService.refuseDuringCheckpoint(store, r, "migrate");
        requireAnnotations(r);
        Path dir = staging.resolve(r.id() + "-lazy-" + UUID.randomUUID());
        Path image = dir.resolve("image");
        imageRoots.pinForCheckpoints(r);
        Intent intent = Intent.of(r.id(), Intent.Kind.checkpoint, Map.of(Intent.IMAGE, dir.toString(),
                Intent.LEAVE_RUNNING, "false", Intent.PHASE, Intent.DUMPING, Intent.LAZY, "true"));
        store.commit(StateStore.Change.intent(intent));
        long start = System.nanoTime();
        CheckpointOptions options = CheckpointOptions.simple(false);
        LazyDump dump;
        try {
            Files.createDirectories(image);
            Files.copy(r.bundle().resolve("config.json"), image.resolve(CheckpointService.BUNDLE_CONFIG));
            dump = backend.lazyCheckpoint(new LazyDumpRequest(new CheckpointRequest(r.id(), runtime.ref(), image,
                    dir.resolve("work"), options), r.containerDir(), listen));
        } catch (IOException | CheckpointException e) {
            store.commit(StateStore.Change.settlingOwnOnly(intent));
            ContainerService.deleteTree(dir);
            throw HydraException.failed("lazy dump of " + r.name() + " failed: " + e.getMessage());
        }
        CrashPoint.at("migration.lazy-dumped");
        long version;
        long moved;
        try {
            if (r.options().fromImage()) {
                // the processes are held by the dump: nothing writes the writable layer while it is taken
                imageRoots.exportUpper(r, image);
            }
            Duration frozen = Duration.ofNanos(System.nanoTime() - start);
            Map<String, String> metadata = service.metadata(r, options, new CheckpointResult(frozen, frozen, 0),
                    dir);
            metadata.put(LazyVersions.PAGE_SERVER, listen.endpoint());
            CommitResult committed = service.requireRestorable(r, repository.checkpoint(r.id(), r.name(), image,
                    metadata, progress));
            version = committed.version();
            moved = committed.bytesMoved();
        } catch (IOException | RuntimeException e) {
            // the target never heard of it: the container runs on here
            dump.abort();
            Served failed = new Served(r, dump, intent, dir, 0, 0, Duration.ZERO);
            LazyTransfer end = dump.awaitEnd(Duration.ofSeconds(30));
            boolean runs = failed.resumed();
            throw HydraException.failed("the image of " + r.name() + "'s lazy dump could not be stored ("
                    + e.getMessage() + "); " + (runs ? "it runs on here" : "and it did not resume: " + end.detail()));
        }
        Intent stored = intent.with(Intent.PHASE, Intent.DUMPED).with(Intent.VERSION, Long.toString(version));
        store.commit(StateStore.Change.intent(stored));
        return new Served(r, dump, stored, dir, version, moved, Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * A lazy dump carries TLS through the container's own config (the backend's annotations, set at create): a
     * container created before this daemon had them would serve its memory unauthenticated, so it is refused.
     */
    private void requireAnnotations(ContainerRecord r) {
        Map<String, String> wanted = backend.bundleAnnotations(r.containerDir());
        if (wanted.isEmpty()) {
            return;
        }
        Optional<com.fasterxml.jackson.databind.node.ObjectNode> own = RestoreConfig.ownConfig(r);
        boolean carries = own.map(c -> wanted.entrySet().stream().allMatch(w ->
                w.getValue().equals(c.path("annotations").path(w.getKey()).asText(null)))).orElse(false);
        if (!carries) {
            throw HydraException.conflict("container " + r.name() + " cannot be migrated post-copy: it was created"
                    + " or restored by a daemon that did not give it the " + backend.name() + " backend's annotations"
                    + " (" + String.join(", ", wanted.keySet()) + "), which carry the page server's TLS; use --mode"
                    + " precopy, or checkpoint and restore it once first");
        }
    }

    /** A lazy version nothing can restore any more (its page server is gone): removed, best effort. */
    void deleteVersion(String containerId, long version) {
        if (version <= 0) {
            return;
        }
        try {
            repository.delete(containerId, version);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot remove the lazy version %d of %s (restores refuse it): %s", version, containerId,
                    e.getMessage());
        }
    }
}
