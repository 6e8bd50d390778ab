package io.hydra.runtime.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.registry.RegistryClient;
import io.hydra.runtime.image.store.ImageStore;

/**
 * Copies one image from a registry into the image store: manifest (an index resolved to linux/amd64), config and
 * layers, each verified by digest while it streams; the ref is written last. A failure leaves no blob this pull
 * created behind (see {@link BlobRollback}).
 */
final class ImagePuller {
    private final RegistryClient registry;
    private final ImageStore store;

    ImagePuller(RegistryClient registry, ImageStore store) {
        this.registry = registry;
        this.store = store;
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
            store.putRef(ref.toString(), manifestDigest, Instant.now());
        } catch (IOException e) {
            rollback.undo();
            throw HydraException.failed("pull of " + ref + " failed, nothing was stored: " + e.getMessage());
        } catch (RuntimeException e) {
            rollback.undo();
            throw e;
        }
        progress.progress("done", moved[0], total);
        return new PullSummary(ref.toString(), manifestDigest, image.layers().size(), moved[0], present, total,
                Duration.ofNanos(System.nanoTime() - start));
    }

    /** @return the bytes already present (0 when it had to be fetched) */
    private long fetch(RegistryClient.Session session, ParsedManifest.Descriptor d, String what,
                       BlobRollback rollback, ImageProgress progress, long[] moved, long total) throws IOException {
        if (store.hasBlob(d.digest())) {
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
