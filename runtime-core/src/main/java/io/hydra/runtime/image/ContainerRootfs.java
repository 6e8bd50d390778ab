package io.hydra.runtime.image;

import java.nio.file.Path;

/**
 * A container's root filesystem built from an image: the image's layers, unpacked once per node into the layer
 * cache, as the lower dirs of an overlayfs whose upper dir is the container's own writable layer. Everything lives
 * under the container's directory: {@code upper/}, {@code work/} and the mount point {@code rootfs/}.
 */
public interface ContainerRootfs {
    /**
     * Unpacks the image's layers that this node does not hold yet (verified by digest), and mounts the overlay.
     * Idempotent: an already-mounted root is returned as it is (recovery calls it again).
     *
     * @return the mounted root, {@code <containerDir>/rootfs}
     */
    Path mount(StoredImage image, Path containerDir);

    /** Unmounts the overlay if mounted; leaves the upper dir. Idempotent. */
    void unmount(Path containerDir);

    /** Unmounts and deletes the upper and work dirs. Idempotent. */
    void remove(Path containerDir);

    /**
     * Writes the container's writable layer (its upper dir, whiteouts and opaque dirs as OCI {@code .wh.} entries)
     * as a tar file, for a checkpoint.
     */
    void exportUpper(Path containerDir, Path tarFile);

    /**
     * Fills the (empty or absent) upper dir of {@code containerDir} from a tar written by {@link #exportUpper}, with
     * the same safety as a layer: nothing escapes the upper dir.
     */
    void importUpper(Path tarFile, Path containerDir);
}
