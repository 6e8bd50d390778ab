package io.hydra.runtime.image;

/**
 * Holds on images in the shared store: while any node's container or any checkpoint of one pins an image's manifest,
 * {@code rmi} on any node refuses it and no garbage collection deletes its blobs.
 */
public interface ImagePins {
    /** Does nothing: a daemon with no image store, and tests that share no store. */
    ImagePins NONE = new ImagePins() {
        @Override
        public void pin(String manifestDigest, String owner) {
        }

        @Override
        public void unpin(String manifestDigest, String owner) {
        }
    };

    /**
     * Pins the image for {@code owner} (one safe name segment, e.g. {@code <node>.<container id>}); idempotent.
     *
     * @throws io.hydra.runtime.HydraException (not found) when the store does not hold the image, leaving no pin
     */
    void pin(String manifestDigest, String owner);

    /** Takes {@code owner}'s pin away; quiet when there is none. */
    void unpin(String manifestDigest, String owner);
}
