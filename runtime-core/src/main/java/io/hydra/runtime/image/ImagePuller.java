package io.hydra.runtime.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.registry.RegistryClient;
import io.hydra.runtime.image.store.ImageStore;
import io.hydra.runtime.image.store.RefRecord;

/**
 * Copies one image from a registry into the image store: manifest (an index resolved to linux/amd64), config and
 * layers, each verified by digest while it streams; the ref is written last. A failure leaves the blobs this pull
 * created as garbage candidates (see {@link BlobRollback}).
 */
final class ImagePuller {
    private static final Logger LOG = Logger.getLogger(ImagePuller.class);
    private final RegistryClient registry;
    private final ImageStore store;
    private final ReentrantLock changes;
    private final ImageCollector collector;

    /** @param changes the node's lock on ref changes, held only to commit or roll back, never while transferring */
    ImagePuller(RegistryClient registry, ImageStore store, ReentrantLock changes, ImageCollector collector) {
        this.registry = registry;
        this.store = store;
        this.changes = changes;
        this.collector = collector;
    }

    PullSummary pull(ImageRef ref, boolean tlsVerify, ImageProgress progress) {
        long start = System.nanoTime();
        RegistryClient.Session session = registry.session(ref, tlsVerify);
        progress.progress("manifest", 0, 0);
        RegistryClient.FetchedManifest top = session.manifest(ref.reference());
        String topDigest = Digests.of(top.body());
        if (ref.digest() != null && !ref.digest().equals(topDigest)) {
            throw HydraException.failed("image " + ref + ": the registry sent a manifest whose digest is "
                    + topDigest + ", not the one asked for");
        }
        if (top.digestHeader().isPresent() && !top.digestHeader().get().equals(topDigest)) {
            throw HydraException.failed("image " + ref + ": the manifest's content hashes to " + topDigest
                    + " but the registry says " + top.digestHeader().get());
        }
        ParsedManifest parsed = ManifestParser.parse(top.body(), top.contentType(), "image " + ref);
        byte[] manifestBody = top.body();
        String manifestDigest = topDigest;
        if (parsed instanceof ParsedManifest.Index index) {
            ParsedManifest.Entry entry = ManifestParser.selectPlatform(index, "image " + ref);
            RegistryClient.FetchedManifest platform = session.manifest(entry.digest());
            manifestDigest = Digests.of(platform.body());
            if (!manifestDigest.equals(entry.digest())) {
                throw HydraException.failed("image " + ref + ": the linux/amd64 manifest hashes to " + manifestDigest
                        + ", not the index's " + entry.digest());
            }
            manifestBody = platform.body();
            parsed = ManifestParser.parse(platform.body(), platform.contentType(), "image " + ref + " (linux/amd64)");
            if (!(parsed instanceof ParsedManifest.Image)) {
                throw HydraException.invalid("image " + ref + ": the index's linux/amd64 entry is another index");
            }
        }
        ParsedManifest.Image image = (ParsedManifest.Image) parsed;
        long total = image.config().size() + image.layers().stream().mapToLong(ParsedManifest.Descriptor::size).sum();
        long[] moved = {0};
        long present = 0;
        BlobRollback rollback = new BlobRollback(store);
        try {
            present += fetch(session, image.config(), "config " + image.config().digest() + " of image " + ref,
                    rollback, progress, moved, total);
            ManifestParser.Config config = ManifestParser.config(
                    store.readBlob(image.config().digest(), "image " + ref + ": config"), "image " + ref);
            ManifestParser.checkPlatform(config, "image " + ref);
            if (config.diffIds().size() != image.layers().size()) {
                throw HydraException.invalid("image " + ref + ": its config lists " + config.diffIds().size()
                        + " diff_ids for " + image.layers().size() + " layers");
            }
            for (ParsedManifest.Descriptor layer : image.layers()) {
                present += fetch(session, layer, "layer " + layer.digest() + " of image " + ref, rollback, progress,
                        moved, total);
            }
            if (store.putBlob(manifestDigest, manifestBody.length, new java.io.ByteArrayInputStream(manifestBody),
                    "manifest " + manifestDigest + " of image " + ref)) {
                rollback.created(manifestDigest);
            }
            List<String> blobs = new ArrayList<>();
            blobs.add(manifestDigest);
            blobs.add(image.config().digest());
            image.layers().forEach(l -> blobs.add(l.digest()));
            commit(ref, manifestDigest, blobs);
        } catch (IOException e) {
            abandon(rollback);
            throw HydraException.failed("pull of " + ref + " failed, nothing was stored: " + e.getMessage());
        } catch (RuntimeException e) {
            abandon(rollback);
            throw e;
        }
        progress.progress("done", moved[0], total);
        return new PullSummary(ref.toString(), manifestDigest, image.layers().size(), moved[0], present, total,
                Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Writes the ref under the node's lock. Another node's garbage collection may have deleted a blob this pull found
     * present (its grace period passed while the pull ran): the blobs are checked after the ref is written, and a ref
     * naming a missing blob is taken back.
     */
    private void commit(ImageRef ref, String manifestDigest, List<String> blobs) throws IOException {
        changes.lock();
        try {
            for (String blob : blobs) {
                store.unmarkCandidate(blob);
            }
            Optional<RefRecord> previous;
            try {
                previous = store.ref(ref.toString());
            } catch (HydraException unreadable) {
                previous = Optional.empty();
            }
            store.putRef(ref.toString(), manifestDigest, Instant.now());
            List<String> missing = blobs.stream().filter(b -> !store.hasBlob(b)).toList();
            if (!missing.isEmpty()) {
                if (previous.isPresent()) {
                    store.putRef(ref.toString(), previous.get().manifestDigest(), previous.get().createdAt());
                } else {
                    store.deleteRef(ref.toString());
                }
                throw HydraException.failed("pull of " + ref + " failed: blob " + missing.get(0) + " was deleted by"
                        + " another node's image garbage collection while the pull ran; pull again");
            }
        } finally {
            changes.unlock();
        }
    }

    private void abandon(BlobRollback rollback) {
        changes.lock();
        try {
            rollback.undo(collector.now());
            collector.sweep();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("image garbage collection after a failed pull did not run: %s", e.getMessage());
        } finally {
            changes.unlock();
        }
    }

    /** @return the bytes already present (0 when it had to be fetched) */
    private long fetch(RegistryClient.Session session, ParsedManifest.Descriptor d, String what,
                       BlobRollback rollback, ImageProgress progress, long[] moved, long total) throws IOException {
        if (store.hasBlob(d.digest())) {
            // relied on from now: a garbage mark an rmi elsewhere left on it is taken back
            store.unmarkCandidate(d.digest());
            return d.size();
        }
        try (InputStream in = new Counting(session.blob(d.digest()), n -> {
            moved[0] += n;
            progress.progress("layers", moved[0], total);
        })) {
            if (store.putBlob(d.digest(), d.size(), in, what)) {
                rollback.created(d.digest());
            }
        } catch (IOException e) {
            throw new IOException(e.getMessage() != null && e.getMessage().contains(d.digest()) ? e.getMessage()
                    : what + ": " + e.getMessage(), e);
        }
        return 0;
    }

    private static final class Counting extends FilterInputStream {
        private final java.util.function.LongConsumer onRead;

        Counting(InputStream in, java.util.function.LongConsumer onRead) {
            super(in);
            this.onRead = onRead;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                onRead.accept(n);
            }
            return n;
        }
    }
}
