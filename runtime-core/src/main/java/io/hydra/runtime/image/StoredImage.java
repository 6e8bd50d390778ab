package io.hydra.runtime.image;

import java.time.Instant;
import java.util.List;

/**
 * An image held in the blob store: its manifest, config and layers are all stored by digest and verified against
 * it, so any node sharing the store can run it without the registry.
 *
 * @param ref            the normalized reference it is known by ({@code docker.io/library/busybox:latest}), or
 *                       null when it is known only by digest
 * @param manifestDigest the digest of its (platform) image manifest: what containers and checkpoints record
 * @param size           the layers' stored size plus the config's
 */
public record StoredImage(String ref, String manifestDigest, String configDigest, ImageConfig config,
                          List<LayerDescriptor> layers, long size, Instant createdAt) {
    public StoredImage {
        layers = List.copyOf(layers);
    }
}
