package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ContainerRootfs;
import io.hydra.runtime.image.ImagePins;
import io.hydra.runtime.image.ImageSource;
import io.hydra.runtime.image.StoredImage;
import io.hydra.runtime.state.ContainerRecord;

/**
 * The root filesystems of containers made from images: the image a request names, its overlay mounted under the
 * container's directory ({@code upper/}, {@code work/}, {@code rootfs/}, see {@link ContainerRootfs}), and the
 * writable layer's way into and out of checkpoints. A container made from {@code --rootfs} or {@code --bundle} has
 * none of this: every method that takes a record does nothing for it.
 */
public final class ImageRoots {
    private static final Logger LOG = Logger.getLogger(ImageRoots.class);
    /**
     * The writable layer inside a checkpoint image, next to the memory: the repository chunks and deduplicates it
     * with the rest, and verifies it on the way back.
     */
    public static final String UPPER_ARCHIVE = "rootfs-diff.tar";
    /** Where a restore unpacks the checkpoint's writable layer before it replaces the container's. */
    private static final String RESTORE_STAGING = "upper-restore";
    private static final String CHECKPOINT_PIN = "checkpoint.";

    private final ImageSource images;
    private final ContainerRootfs roots;
    private final ImagePins pins;
    private final String nodeId;
    private final String unavailable;
    private final Runnable released;
    /** By manifest digest: an image is content-addressed, so a remembered answer never goes stale. */
    private final Map<String, StoredImage> byDigest = new ConcurrentHashMap<>();

    public ImageRoots(ImageSource images, ContainerRootfs roots) {
        this(images, roots, () -> {
        });
    }

    /** @param released runs after a container's root was removed: the layers it used may have no user left */
    public ImageRoots(ImageSource images, ContainerRootfs roots, Runnable released) {
        this(images, roots, ImagePins.NONE, "node", released);
    }

    /**
     * @param pins   where a container's hold on its image is recorded for every node sharing the store, so an
     *               {@code rmi} elsewhere cannot take the image from under it
     * @param nodeId this node, in the pins' owner names
     */
    public ImageRoots(ImageSource images, ContainerRootfs roots, ImagePins pins, String nodeId, Runnable released) {
        this(Objects.requireNonNull(images, "images"), Objects.requireNonNull(roots, "roots"), null,
                Objects.requireNonNull(released, "released"), Objects.requireNonNull(pins, "pins"),
                Objects.requireNonNull(nodeId, "nodeId"));
    }

    private ImageRoots(ImageSource images, ContainerRootfs roots, String unavailable, Runnable released,
                       ImagePins pins, String nodeId) {
        this.images = images;
        this.roots = roots;
        this.pins = pins;
        this.nodeId = nodeId;
        this.unavailable = unavailable;
        this.released = released;
    }

    /** A daemon without an image store: containers come from --rootfs or --bundle only, and this says why. */
    public static ImageRoots unavailable(String reason) {
        return new ImageRoots(null, null, reason, () -> {
        }, ImagePins.NONE, "node");
    }

    /** The mount point of an image container's root. */
    public static Path rootOf(Path containerDir) {
        return containerDir.resolve("rootfs");
    }

    /** The image a reference names, among those pulled or imported; never pulls. */
    public StoredImage resolve(String ref) {
        requireAvailable("run a container from image " + ref);
        StoredImage image = images.resolve(ref);
        byDigest.putIfAbsent(image.manifestDigest(), image);
        return image;
    }

    /** The image a container or a checkpoint recorded, from the store (on a node that never pulled it, too). */
    public StoredImage byDigest(String manifestDigest) {
        requireAvailable("use image " + manifestDigest);
        StoredImage known = byDigest.get(manifestDigest);
        if (known != null) {
            return known;
        }
        StoredImage image = images.byManifestDigest(manifestDigest);
        if (!manifestDigest.equals(image.manifestDigest())) {
            throw HydraException.failed("the image store answered image " + image.manifestDigest() + " when asked"
                    + " for " + manifestDigest);
        }
        byDigest.put(manifestDigest, image);
        return image;
    }

    /** Unpacks what this node lacks of the image's layers and mounts the overlay; idempotent. */
    public Path mount(StoredImage image, Path containerDir) {
        requireAvailable("mount the root of image " + image.manifestDigest());
        // pinned before it is used: from here on no node's rmi or garbage collection takes its blobs
        pins.pin(image.manifestDigest(), pinOwner(containerDir));
        return roots.mount(image, containerDir);
    }

    /** The owner of a container's pin: this node and the container's id (the name of its directory). */
    private String pinOwner(Path containerDir) {
        return nodeId + "." + containerDir.getFileName();
    }

    /**
     * Pins an image container's image for its checkpoints (owner {@code checkpoint.<id>}), before a version is
     * written: a restore must find the image after the container, and every node's pin, are gone.
     */
    public void pinForCheckpoints(ContainerRecord r) {
        if (r.options().fromImage()) {
            requireAvailable("checkpoint container " + r.name());
            pins.pin(r.options().imageDigest(), CHECKPOINT_PIN + r.id());
        }
    }

    /** Takes the checkpoints' pin of a container away, once it has no version left. */
    public void unpinCheckpoints(String containerId, String manifestDigest) {
        if (unavailable == null && manifestDigest != null && !manifestDigest.isEmpty()) {
            pins.unpin(manifestDigest, CHECKPOINT_PIN + containerId);
        }
    }

    /** Takes this container's pin on its image away (after its root is gone). */
    private void unpin(ContainerRecord r) {
        try {
            pins.unpin(r.options().imageDigest(), pinOwner(r.containerDir()));
        } catch (RuntimeException e) {
            // a pin left behind only keeps the image's blobs longer; rmi names its owner
            LOG.warnf("cannot remove the pin of container %s on image %s: %s", r.name(), r.options().imageDigest(),
                    e.getMessage());
        }
    }

    /**
     * Mounts an image container's root again before its processes start anew (a restart, a relaunch): after a host
     * reboot the mount is gone, otherwise this finds it in place.
     */
    public void remount(ContainerRecord r) {
        if (r.options().fromImage()) {
            mount(byDigest(r.options().imageDigest()), r.containerDir());
        }
    }

    /** Unmounts an image container's root and deletes its writable layer (the upper and work dirs). */
    public void release(ContainerRecord r) {
        if (r.options().fromImage()) {
            release(r.containerDir(), "container " + r.name());
            unpin(r);
        }
    }

    /** As {@link #release(ContainerRecord)}, for a container directory whose record is not at hand. */
    public void release(Path containerDir, String what) {
        requireAvailable("remove the root of " + what);
        roots.remove(containerDir);
        released.run();
    }

    /** Writes an image container's writable layer into a checkpoint image as {@link #UPPER_ARCHIVE}. */
    public void exportUpper(ContainerRecord r, Path checkpointImage) {
        requireAvailable("checkpoint the writable layer of container " + r.name());
        roots.exportUpper(r.containerDir(), checkpointImage.resolve(UPPER_ARCHIVE));
    }

    /**
     * Makes {@code containerDir}'s writable layer the one a checkpoint carried, and mounts the root over it. The
     * archive is unpacked (as safely as a layer: it comes back from storage) beside the current layer, which is
     * removed only once that worked, so a bad archive leaves the container as it was.
     *
     * @return the mounted root
     */
    public Path restoreUpper(Path archive, StoredImage image, Path containerDir) {
        requireAvailable("restore a container of image " + image.manifestDigest());
        Path staging = containerDir.resolve(RESTORE_STAGING);
        try {
            Containers.deleteTree(staging);
            Files.createDirectories(staging);
            roots.importUpper(archive, staging);
            Path upper = staging.resolve("upper");
            if (!Files.isDirectory(upper)) {
                Files.createDirectories(upper);
            }
            roots.remove(containerDir);
            Files.move(upper, containerDir.resolve("upper"));
        } catch (IOException e) {
            throw HydraException.failed("cannot unpack the writable layer " + archive + " into " + containerDir
                    + ": " + e.getMessage());
        } finally {
            Containers.deleteTree(staging);
        }
        return mount(image, containerDir);
    }

    private void requireAvailable(String toDo) {
        if (unavailable != null) {
            throw HydraException.failed("cannot " + toDo + ": this daemon has no image store (" + unavailable + ")");
        }
    }
}
