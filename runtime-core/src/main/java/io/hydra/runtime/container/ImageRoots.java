package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ContainerRootfs;
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
    /**
     * The writable layer inside a checkpoint image, next to the memory: the repository chunks and deduplicates it
     * with the rest, and verifies it on the way back.
     */
    public static final String UPPER_ARCHIVE = "rootfs-diff.tar";
    /** Where a restore unpacks the checkpoint's writable layer before it replaces the container's. */
    private static final String RESTORE_STAGING = "upper-restore";

    private final ImageSource images;
    private final ContainerRootfs roots;
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
        this(Objects.requireNonNull(images, "images"), Objects.requireNonNull(roots, "roots"), null,
                Objects.requireNonNull(released, "released"));
    }

    private ImageRoots(ImageSource images, ContainerRootfs roots, String unavailable, Runnable released) {
        this.images = images;
        this.roots = roots;
        this.unavailable = unavailable;
        this.released = released;
    }

    /** A daemon without an image store: containers come from --rootfs or --bundle only, and this says why. */
    public static ImageRoots unavailable(String reason) {
        return new ImageRoots(null, null, reason, () -> {
        });
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
        return roots.mount(image, containerDir);
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
        return roots.mount(image, containerDir);
    }

    private void requireAvailable(String toDo) {
        if (unavailable != null) {
            throw HydraException.failed("cannot " + toDo + ": this daemon has no image store (" + unavailable + ")");
        }
    }
}
