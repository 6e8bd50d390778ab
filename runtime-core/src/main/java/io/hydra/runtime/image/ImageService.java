package io.hydra.runtime.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.archive.ImageImporter;
import io.hydra.runtime.image.registry.RegistryClient;
import io.hydra.runtime.image.store.ImageStore;
import io.hydra.runtime.image.store.RefRecord;

/**
 * Pull, import, list and remove images. The blob store is shared by every node, so nothing here deletes a blob on one
 * node's knowledge: a container or a checkpoint that uses an image pins it in the store ({@link #pin}), rmi refuses
 * while any pin from any node exists, and a removed ref or a failed pull only makes its blobs garbage candidates,
 * which {@link #collectGarbage} deletes after the grace period if no ref and no pin names them then (see
 * {@link ImageCollector}). This node's own containers are also asked directly (the {@code inUse} predicate, given a
 * manifest digest): such an image, removed with force, is kept as {@code NAME@DIGEST} so a restart still finds it.
 * Ref changes on a node are made one at a time; a pull holds that lock only to commit or roll back, never while it
 * transfers.
 */
public final class ImageService implements ImagePins {
    private static final Logger LOG = Logger.getLogger(ImageService.class);
    /** Longer than a pull of a large image takes: another node's pull may rely on a candidate that long. */
    public static final Duration DEFAULT_GARBAGE_GRACE = Duration.ofHours(1);

    private final ImageStore store;
    private final RegistryClient registry;
    private final Path workDir;
    private final Predicate<String> inUse;
    private final Consumer<HydraEvent> events;
    private final String nodeId;
    private final ImageCollector collector;
    private final ReentrantLock changes = new ReentrantLock();

    public record Removed(String ref, String manifestDigest, int blobsDeleted, boolean keptForContainers) {
    }

    /**
     * @param workDir scratch space for unpacking archives; left-overs of an earlier run are removed here
     * @param events  commits an event (the daemon: to the state store's outbox)
     */
    public ImageService(ImageStore store, RegistryClient registry, Path workDir, Predicate<String> inUse,
                        Consumer<HydraEvent> events, String nodeId) {
        this(store, registry, workDir, inUse, events, nodeId, DEFAULT_GARBAGE_GRACE, Clock.systemUTC());
    }

    /** @param garbageGrace how long a garbage candidate stays before a sweep may delete it */
    public ImageService(ImageStore store, RegistryClient registry, Path workDir, Predicate<String> inUse,
                        Consumer<HydraEvent> events, String nodeId, Duration garbageGrace, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.workDir = workDir;
        this.inUse = inUse;
        this.events = events;
        this.nodeId = nodeId;
        this.collector = new ImageCollector(store, garbageGrace, clock);
        cleanWorkDir();
    }

    public ImageStore store() {
        return store;
    }

    public PullSummary pull(String text, boolean tlsVerify, ImageProgress progress) {
        ImageRef ref = ImageRef.parse(text);
        PullSummary s = new ImagePuller(registry, store, changes, collector).pull(ref, tlsVerify, progress);
        emit(EventType.IMAGE_PULLED, s, "registry");
        return s;
    }

    public List<PullSummary> importImages(Path path, ImageProgress progress) {
        changes.lock();
        BlobRollback rollback = new BlobRollback(store);
        try {
            List<PullSummary> imported = new ImageImporter(store, workDir).importPath(path, progress, rollback::created);
            for (PullSummary s : imported) {
                emit(EventType.IMAGE_PULLED, s, path.toString());
            }
            return imported;
        } catch (RuntimeException e) {
            rollback.undo(collector.now());
            sweepQuietly();
            throw e;
        } finally {
            changes.unlock();
        }
    }

    /**
     * Records in the store that {@code owner} uses the image, so that no node removes it: called by whoever creates a
     * container from an image (owner {@code <nodeId>.<containerId>}) and by a checkpoint version of one (owner
     * {@code checkpoint.<containerId>}). Idempotent.
     *
     * @throws HydraException not found when the image's manifest is not in the store (the pin is not left behind)
     */
    @Override
    public void pin(String manifestDigest, String owner) {
        store.pin(manifestDigest, owner);
        // pinned first, checked second: a sweep that deletes the manifest after this check sees the pin
        if (!store.hasBlob(manifestDigest)) {
            store.unpin(manifestDigest, owner);
            throw HydraException.notFound("image " + manifestDigest + " is not in the " + store.storeName()
                    + " store: it cannot be pinned for " + owner);
        }
    }

    /** Takes back {@code owner}'s pin; quiet when there is none. The blobs stay until a sweep finds them unused. */
    @Override
    public void unpin(String manifestDigest, String owner) {
        store.unpin(manifestDigest, owner);
    }

    /** Deletes the garbage candidates past their grace period that nothing names; returns how many. */
    public int collectGarbage() {
        changes.lock();
        try {
            return collector.sweep();
        } catch (IOException e) {
            throw HydraException.failed("image garbage collection in the " + store.storeName() + " store failed: "
                    + e.getMessage());
        } finally {
            changes.unlock();
        }
    }

    /** Every image by reference, newest first; one whose blobs cannot be read is logged and left out. */
    public List<StoredImage> list() {
        List<StoredImage> out = new ArrayList<>();
        for (RefRecord r : store.refs()) {
            try {
                out.add(store.image(r.ref(), r.manifestDigest(), r.createdAt()));
            } catch (HydraException e) {
                LOG.warnf("image %s is not listed: %s", r.ref(), e.getMessage());
            }
        }
        out.sort(Comparator.comparing(StoredImage::createdAt).reversed().thenComparing(StoredImage::ref));
        return out;
    }

    public Removed remove(String text, boolean force) {
        ImageRef ref = ImageRef.parse(text);
        changes.lock();
        try {
            RefRecord record = store.ref(ref.toString()).orElseThrow(() -> HydraException.notFound(
                    "image " + ref + " is not here (see `hydra images`)"));
            String digest = record.manifestDigest();
            boolean usedHere = inUse.test(digest);
            List<String> pins = store.pinOwners(digest);
            boolean sharedByRef = store.refs().stream()
                    .anyMatch(r -> !r.ref().equals(record.ref()) && r.manifestDigest().equals(digest));
            // another reference names the same image: this is only an untag (as docker's), users keep theirs
            if ((usedHere || !pins.isEmpty()) && !force && !sharedByRef) {
                throw HydraException.conflict("image " + ref + " (" + digest + ") is used by "
                        + (pins.isEmpty() ? "a container on this node" : String.join(", ", pins))
                        + ": remove the container first, or use rmi -f (the image's blobs are then kept while it is"
                        + " used)");
            }
            String kept = null;
            if (usedHere && !sharedByRef && ref.digest() == null) {
                kept = ref.withDigest(digest).toString();
                store.putRef(kept, digest, record.createdAt());
            }
            store.deleteRef(record.ref());
            if (kept == null && !sharedByRef) {
                // the sweep keeps whatever another ref or a pin still names
                Instant now = collector.now();
                for (String blob : store.blobsOf(digest)) {
                    store.markCandidate(blob, now);
                }
            }
            int deleted = sweepQuietly();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("ref", record.ref());
            data.put("digest", digest);
            data.put("blobsDeleted", deleted);
            data.put("node", nodeId);
            events.accept(HydraEvent.of(EventType.IMAGE_REMOVED, nodeId, digest, data));
            return new Removed(record.ref(), digest, deleted, !sharedByRef && (kept != null || !pins.isEmpty()));
        } catch (IOException e) {
            throw HydraException.failed("removing image " + ref + " from the " + store.storeName() + " store failed: "
                    + e.getMessage());
        } finally {
            changes.unlock();
        }
    }

    private int sweepQuietly() {
        try {
            return collector.sweep();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("image garbage collection did not run: %s", e.getMessage());
            return 0;
        }
    }

    private void emit(String type, PullSummary s, String source) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("ref", s.ref());
        data.put("digest", s.manifestDigest());
        data.put("layers", s.layers());
        data.put("size", s.size());
        data.put("bytesFetched", s.bytesFetched());
        data.put("source", source);
        data.put("node", nodeId);
        try {
            events.accept(HydraEvent.of(type, nodeId, s.manifestDigest(), data));
        } catch (RuntimeException e) {
            LOG.warnf("event %s for %s not recorded: %s", type, s.ref(), e.getMessage());
        }
    }

    private void cleanWorkDir() {
        if (!Files.isDirectory(workDir)) {
            return;
        }
        try (Stream<Path> leftovers = Files.list(workDir)) {
            for (Path p : leftovers.filter(p -> p.getFileName().toString().startsWith("import-")).toList()) {
                try (Stream<Path> walk = Files.walk(p)) {
                    for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(q);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warnf("could not clean the image work dir %s: %s", workDir, e.getMessage());
        }
    }
}
