package io.hydra.runtime.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * Pull, import, list and remove images. Changes to the store are made one at a time on a node (a failed pull rolls
 * back only blobs nobody else can be relying on yet). Removing the last ref of an image deletes the blobs no other
 * ref uses; an image a container uses (the {@code inUse} predicate, asked with a manifest digest) is not removed
 * without force, and even forced its blobs stay while the container exists: it is kept as {@code NAME@DIGEST}, so a
 * restore or a restart still finds it and a later {@code rmi} can remove it.
 */
public final class ImageService {
    private static final Logger LOG = Logger.getLogger(ImageService.class);

    private final ImageStore store;
    private final RegistryClient registry;
    private final Path workDir;
    private final Predicate<String> inUse;
    private final Consumer<HydraEvent> events;
    private final String nodeId;
    private final ReentrantLock changes = new ReentrantLock();

    public record Removed(String ref, String manifestDigest, int blobsDeleted, boolean keptForContainers) {
    }

    /**
     * @param workDir scratch space for unpacking archives; left-overs of an earlier run are removed here
     * @param events  commits an event (the daemon: to the state store's outbox)
     */
    public ImageService(ImageStore store, RegistryClient registry, Path workDir, Predicate<String> inUse,
                        Consumer<HydraEvent> events, String nodeId) {
        this.store = store;
        this.registry = registry;
        this.workDir = workDir;
        this.inUse = inUse;
        this.events = events;
        this.nodeId = nodeId;
        cleanWorkDir();
    }

    public ImageStore store() {
        return store;
    }

    public PullSummary pull(String text, boolean tlsVerify, ImageProgress progress) {
        ImageRef ref = ImageRef.parse(text);
        changes.lock();
        try {
            PullSummary s = new ImagePuller(registry, store).pull(ref, tlsVerify, progress);
            emit(EventType.IMAGE_PULLED, s, "registry");
            return s;
        } finally {
            changes.unlock();
        }
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
            rollback.undo();
            throw e;
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
            boolean used = inUse.test(digest);
            if (used && !force) {
                throw HydraException.conflict("image " + ref + " (" + digest + ") is used by a container: remove the"
                        + " container first, or use rmi -f (the image is then kept by digest while containers use it)");
            }
            List<RefRecord> others = store.refs().stream().filter(r -> !r.ref().equals(record.ref())).toList();
            boolean sharedByRef = others.stream().anyMatch(r -> r.manifestDigest().equals(digest));
            String kept = null;
            if (used && !sharedByRef && ref.digest() == null) {
                kept = ref.withDigest(digest).toString();
                store.putRef(kept, digest, record.createdAt());
            }
            store.deleteRef(record.ref());
            int deleted = 0;
            if (!used && !sharedByRef) {
                deleted = deleteUnreferenced(digest, others);
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("ref", record.ref());
            data.put("digest", digest);
            data.put("blobsDeleted", deleted);
            data.put("node", nodeId);
            events.accept(HydraEvent.of(EventType.IMAGE_REMOVED, nodeId, digest, data));
            return new Removed(record.ref(), digest, deleted, kept != null);
        } catch (IOException e) {
            throw HydraException.failed("removing image " + ref + " from the " + store.storeName() + " store failed: "
                    + e.getMessage());
        } finally {
            changes.unlock();
        }
    }

    private int deleteUnreferenced(String digest, List<RefRecord> others) throws IOException {
        Set<String> keep = new HashSet<>();
        for (RefRecord r : others) {
            try {
                keep.addAll(store.blobsOf(r.manifestDigest()));
            } catch (HydraException e) {
                // its blobs cannot be told apart from ours: keep everything rather than break it further
                LOG.warnf("image %s is unreadable (%s); no blob of the removed image is deleted", r.ref(),
                        e.getMessage());
                return 0;
            }
        }
        int deleted = 0;
        for (String blob : store.blobsOf(digest)) {
            if (!keep.contains(blob)) {
                store.deleteBlob(blob);
                deleted++;
            }
        }
        return deleted;
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
