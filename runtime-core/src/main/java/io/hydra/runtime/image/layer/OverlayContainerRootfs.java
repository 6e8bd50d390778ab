package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ContainerRootfs;
import io.hydra.runtime.image.LayerDescriptor;
import io.hydra.runtime.image.StoredImage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A container's root as an overlayfs: the image's layers from the {@link LayerCache} as lower dirs (top-most
 * first), {@code <containerDir>/upper} as its writable layer, {@code work} as overlayfs's scratch dir, mounted on
 * {@code rootfs}. Mounted with mount(2) through jnr-ffi, not {@code mount -t overlay}: no process per container,
 * and the errno comes back as it is instead of as text to parse.
 * <p>
 * Mounted with {@code redirect_dir=off,metacopy=off,index=off}: every change lives as plain files, whiteouts and
 * opaque dirs in the upper dir, so the upper dir alone, archived by {@link #exportUpper}, is the writable layer
 * and can be re-applied over the same layers on any node.
 */
public final class OverlayContainerRootfs implements ContainerRootfs {
    private static final String FEATURES = ",redirect_dir=off,metacopy=off,index=off";

    private final LayerCache cache;
    private final LayerUnpacker unpacker;

    public OverlayContainerRootfs(LayerCache cache, LayerUnpacker unpacker) {
        this.cache = cache;
        this.unpacker = unpacker;
    }

    @Override
    public Path mount(StoredImage image, Path given) {
        Path containerDir = MountInfo.resolved(given);
        Path rootfs = containerDir.resolve("rootfs");
        if (MountInfo.isMountPoint(rootfs)) {
            return rootfs;
        }
        String name = image.ref() != null ? image.ref() : image.manifestDigest();
        if (image.layers().isEmpty()) {
            throw HydraException.invalid("image " + name + " has no layers: there is no root filesystem to mount");
        }
        // held from the first layer to the mount: a gc meanwhile would delete the layers already unpacked
        try (LayerCache.Hold hold = cache.hold(image)) {
            mountOverlay(image, name, containerDir, rootfs);
        }
        return rootfs;
    }

    @Override
    public void unmount(Path given) {
        Path containerDir = MountInfo.resolved(given);
        Path rootfs = containerDir.resolve("rootfs");
        if (!MountInfo.isMountPoint(rootfs)) {
            return;
        }
        if (LibC.INSTANCE.umount2(rootfs.toString(), 0) != 0 && LibC.errno() != LibC.EINVAL) {
            throw HydraException.failed("cannot unmount the container root " + rootfs + ": " + LibC.lastError());
        }
    }

    @Override
    public void remove(Path containerDir) {
        unmount(containerDir);
        try {
            LibCalls.deleteRecursively(containerDir.resolve("upper"));
            LibCalls.deleteRecursively(containerDir.resolve("work"));
            Files.deleteIfExists(containerDir.resolve("rootfs"));
        } catch (IOException e) {
            throw HydraException.failed("cannot remove the writable layer of " + containerDir + ": " + e.getMessage());
        }
    }

    @Override
    public void exportUpper(Path containerDir, Path tarFile) {
        Path upper = containerDir.resolve("upper");
        if (!Files.isDirectory(upper)) {
            throw HydraException.notFound("the container in " + containerDir + " has no writable layer (" + upper + ")");
        }
        Path partial = tarFile.resolveSibling("." + tarFile.getFileName() + "." + UUID.randomUUID() + ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                UpperArchiver.write(upper, out);
            }
            Files.move(partial, tarFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw HydraException.failed("cannot archive the writable layer " + upper + " to " + tarFile + ": " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // best effort: a leftover .partial file is recognisable and harmless
            }
        }
    }

    @Override
    public void importUpper(Path tarFile, Path containerDir) {
        Path upper = containerDir.resolve("upper");
        String what = "writable layer " + tarFile + " for " + containerDir;
        Path staging = containerDir.resolve(".upper-import-" + UUID.randomUUID());
        try {
            if (Files.isDirectory(upper)) {
                try (var entries = Files.list(upper)) {
                    if (entries.findAny().isPresent()) {
                        throw HydraException.conflict(what + ": " + upper + " is not empty");
                    }
                }
            }
            if (Files.size(tarFile) < 1024) {
                // even an empty tar holds its two 512-byte end-of-archive blocks
                throw HydraException.invalid(what + ": " + Files.size(tarFile) + " bytes is too short for a tar archive (truncated)");
            }
            Files.createDirectories(containerDir);
            Files.createDirectory(staging);
            LibCalls.chmod(staging, 0755);
            try (InputStream in = Files.newInputStream(tarFile)) {
                unpacker.unpackTar(new java.io.BufferedInputStream(in, 64 * 1024), staging, what);
            }
            Files.deleteIfExists(upper);
            Files.move(staging, upper, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw HydraException.failed(what + ": " + e.getMessage());
        } finally {
            try {
                LibCalls.deleteRecursively(staging);
            } catch (IOException ignored) {
                // already moved into place, or gone
            }
        }
    }

    private void mountOverlay(StoredImage image, String name, Path containerDir, Path rootfs) {
        // a layer listed twice (empty layers often are) is kept only where it is top-most: the view is the same
        Set<Path> lowers = new LinkedHashSet<>();
        List<LayerDescriptor> layers = new ArrayList<>(image.layers());
        java.util.Collections.reverse(layers);
        for (LayerDescriptor layer : layers) {
            lowers.add(cache.layer(image, layer));
        }
        Path upper = containerDir.resolve("upper");
        Path work = containerDir.resolve("work");
        String options = "lowerdir=" + String.join(":", lowers.stream().map(OverlayContainerRootfs::checked).toList())
                + ",upperdir=" + checked(upper) + ",workdir=" + checked(work) + FEATURES;
        int limit = LibC.INSTANCE.getpagesize() - 1;
        int length = options.getBytes(StandardCharsets.UTF_8).length;
        if (length > limit) {
            throw HydraException.invalid("image " + name + " has " + lowers.size() + " distinct layers: the overlay mount"
                    + " options for " + rootfs + " would be " + length + " bytes, over the kernel's limit of " + limit
                    + " (one page); use an image with fewer layers or a shorter hydra root path");
        }
        try {
            createDir(upper);
            createDir(work);
            createDir(rootfs);
        } catch (IOException e) {
            throw HydraException.failed("cannot create the overlay dirs in " + containerDir + ": " + e.getMessage());
        }
        if (LibC.INSTANCE.mount("overlay", rootfs.toString(), "overlay", 0, options) != 0) {
            throw HydraException.failed("cannot mount the overlay root of image " + name + " on " + rootfs + ": "
                    + LibC.lastError());
        }
    }

    private static void createDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            LibCalls.chmod(dir, 0755);
        }
    }

    /** Overlay's option syntax splits on ',' and ':'; a path holding one would name other dirs. */
    private static String checked(Path path) {
        String text = path.toAbsolutePath().normalize().toString();
        if (text.indexOf(',') >= 0 || text.indexOf(':') >= 0 || text.indexOf('\\') >= 0) {
            throw HydraException.invalid("the path " + text + " cannot be an overlay dir: it contains ',', ':' or '\\'");
        }
        return text;
    }
}
