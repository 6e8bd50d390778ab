package io.hydra.runtime.image;

/**
 * What containers need from the images: an image by the reference a user typed, and an image by the manifest
 * digest a container or checkpoint recorded. Implemented by the image store; every answer has been verified
 * against its digest.
 */
public interface ImageSource {
    /**
     * The image a reference names ({@code busybox}, {@code busybox:1.36}, {@code host:5000/repo:tag},
     * {@code repo@sha256:...}), among the images already pulled or imported; never pulls.
     *
     * @throws io.hydra.runtime.HydraException (not found) naming the reference and how to get it
     */
    StoredImage resolve(String ref);

    /**
     * The image whose manifest has this digest, from the blob store (on a node that never pulled it, too).
     *
     * @throws io.hydra.runtime.HydraException (not found, or corrupt) naming the digest
     */
    StoredImage byManifestDigest(String manifestDigest);
}
