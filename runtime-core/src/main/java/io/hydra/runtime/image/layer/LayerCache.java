package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.Digests;
import io.hydra.runtime.image.LayerDescriptor;
import io.hydra.runtime.image.StoredImage;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's unpacked layers, {@code <hydra root>/layers/<hex>}, each unpacked once and shared read-only by every
 * container whose image has it, as an overlay lower dir.
 * <p>
 * Keyed by <b>diffId</b> (the digest of the uncompressed tar), not by the blob digest: the diffId names the
 * content that ends up in the dir, so the same tar compressed two ways (gzip by one registry, zstd by another, or
 * recompressed on import) is unpacked once; and it is always verified while unpacking, so a dir is only ever
 * named by the digest of exactly what was unpacked into it.
 * <p>
 * A layer is unpacked into {@code .staging-<hex>-<random>}, flushed to disk, and renamed to {@code <hex>} only once
 * complete and verified, so a crash or an error never leaves a dir that looks complete; dot-entries left by a
 * crash are removed when the cache opens. Requests for the same layer are serialized per layer within this
 * process (one daemon owns a hydra root), so concurrent containers unpack it once.
 */
public final class LayerCache {
    private static final Logger LOG = Logger.getLogger(LayerCache.class);
    private static final String STAGING = ".staging-";
    private static final String REMOVING = ".removing-";

    /** Opens a layer's blob as stored (compressed); the image store provides it. */
    @FunctionalInterface
    public interface BlobOpener {
        InputStream open(LayerDescriptor layer) throws IOException;
    }

    private final Path dir;
    private final BlobOpener opener;
    private final LayerUnpacker unpacker;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    /** Per layer hex, how many {@link Hold}s keep it from {@link #gc}; changed and read under the layer's lock. */
    private final ConcurrentHashMap<String, Integer> holds = new ConcurrentHashMap<>();

    /** Keeps an image's layers from {@link #gc} until closed: from the first {@link #layer} call to a finished mount. */
    public final class Hold implements AutoCloseable {
        private final Set<String> hexes;
        private boolean closed;

        private Hold(Set<String> hexes) {
            this.hexes = hexes;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (String hex : hexes) {
                synchronized (lock(hex)) {
                    holds.computeIfPresent(hex, (key, count) -> count == 1 ? null : count - 1);
                }
            }
        }
    }

    /** Opens (creating) {@code <hydraRoot>/layers} and removes what an earlier process left half-done. */
    public LayerCache(Path hydraRoot, BlobOpener opener, LayerUnpacker unpacker) {
        this.dir = hydraRoot.resolve("layers");
        this.opener = opener;
        this.unpacker = unpacker;
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*")) {
                for (Path leftover : entries) {
                    LOG.infof("removing %s, left by an unpack or removal that did not finish", leftover);
                    LibCalls.deleteRecursively(leftover);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the layer cache " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /**
     * The unpacked dir of {@code layer}, unpacking it first if this node does not hold it yet.
     *
     * @throws HydraException (invalid) naming the image and the layer when the blob is not what the image says
     */
    public Path layer(StoredImage image, LayerDescriptor layer) {
        String what = "image " + (image.ref() != null ? image.ref() : image.manifestDigest()) + ", layer " + layer.digest();
        String hex = Digests.hexOf(layer.diffId(), what + ": diffId");
        Path complete = dir.resolve(hex);
        synchronized (lock(hex)) {
            if (Files.isDirectory(complete)) {
                return complete;
            }
            Path staging = dir.resolve(STAGING + hex + "-" + UUID.randomUUID());
            boolean published = false;
            try {
                Files.createDirectory(staging);
                LibCalls.chmod(staging, 0755);
                try (InputStream blob = opener.open(layer)) {
                    unpacker.unpackBlob(blob, layer, staging, what);
                }
                LibCalls.syncfs(staging);
                Files.move(staging, complete, StandardCopyOption.ATOMIC_MOVE);
                published = true;
                LOG.debugf("unpacked %s into %s", what, complete);
                return complete;
            } catch (IOException e) {
                throw HydraException.failed(what + ": cannot unpack into " + dir + ": " + e.getMessage());
            } finally {
                if (!published) {
                    deleteQuietly(staging);
                }
            }
        }
    }

    /**
     * Holds the image's layers, present or not yet unpacked, so that a {@link #gc} running meanwhile keeps them
     * (its caller's in-use set cannot know of a container whose mount is still under way).
     */
    public Hold hold(StoredImage image) {
        String what = "image " + (image.ref() != null ? image.ref() : image.manifestDigest());
        Set<String> hexes = new TreeSet<>();
        for (LayerDescriptor layer : image.layers()) {
            hexes.add(Digests.hexOf(layer.diffId(), what + ", layer " + layer.digest() + ": diffId"));
        }
        for (String hex : hexes) {
            synchronized (lock(hex)) {
                holds.merge(hex, 1, Integer::sum);
            }
        }
        return new Hold(hexes);
    }

    /** The diffIds of the layers this node holds unpacked. */
    public Set<String> cached() {
        Set<String> diffIds = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.startsWith(".")) {
                    diffIds.add((name.length() == 128 ? "sha512:" : "sha256:") + name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the layer cache " + dir, e);
        }
        return diffIds;
    }

    /**
     * Removes every cached layer whose diffId is not in {@code inUseDiffIds} (see {@link #diffIdsOf}). The caller
     * passes the layers of every image a container uses or is being created from; a layer is renamed away before
     * it is deleted, so a removal cut short leaves nothing that looks complete. A layer under a {@link Hold} is kept.
     *
     * @return the diffIds removed
     */
    public Set<String> gc(Set<String> inUseDiffIds) {
        Set<String> removed = new TreeSet<>();
        for (String diffId : cached()) {
            if (inUseDiffIds.contains(diffId)) {
                continue;
            }
            String hex = diffId.substring(diffId.indexOf(':') + 1);
            synchronized (lock(hex)) {
                Path complete = dir.resolve(hex);
                if (!Files.isDirectory(complete) || holds.containsKey(hex)) {
                    continue;
                }
                Path removing = dir.resolve(REMOVING + hex + "-" + UUID.randomUUID());
                try {
                    Files.move(complete, removing, StandardCopyOption.ATOMIC_MOVE);
                    LibCalls.deleteRecursively(removing);
                    removed.add(diffId);
                } catch (IOException e) {
                    throw HydraException.failed("cannot remove the unused layer " + diffId + " from " + dir + ": " + e.getMessage());
                }
            }
        }
        return removed;
    }

    /** The diffIds of the layers of these images: what {@link #gc} must keep. */
    public static Set<String> diffIdsOf(Collection<StoredImage> images) {
        Set<String> diffIds = new HashSet<>();
        for (StoredImage image : images) {
            for (LayerDescriptor layer : image.layers()) {
                diffIds.add(layer.diffId());
            }
        }
        return diffIds;
    }

    private Object lock(String hex) {
        return locks.computeIfAbsent(hex, key -> new Object());
    }

    private static void deleteQuietly(Path path) {
        try {
            LibCalls.deleteRecursively(path);
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", path, e.getMessage());
        }
    }
}
