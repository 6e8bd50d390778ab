package io.hydra.runtime.checkpoint;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.repo.CheckpointVersion;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.image.StoredImage;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

/**
 * What a checkpoint version of a container made from an image records (its image's reference and manifest digest,
 * in the version's signed metadata, beside the writable layer {@link ImageRoots#UPPER_ARCHIVE} in its image) and
 * what restoring it needs: the image from the store, under that layer, in the target's own directory.
 */
final class ImageContainerVersions {
    static final String IMAGE = "image";
    static final String IMAGE_DIGEST = "imageDigest";

    private final ImageRoots roots;

    ImageContainerVersions(ImageRoots roots) {
        this.roots = roots;
    }

    /** Adds an image container's image to the metadata of its version; nothing for --rootfs and --bundle. */
    static void record(ContainerRecord r, Map<String, String> metadata) {
        if (r.options().fromImage()) {
            metadata.put(IMAGE, r.options().image());
            metadata.put(IMAGE_DIGEST, r.options().imageDigest());
        }
    }

    /** The image a version's container was made from, for the record of a container restored from it. */
    static RunOptions options(CheckpointVersion v) {
        String digest = v.metadata().get(IMAGE_DIGEST);
        if (digest == null || digest.isEmpty()) {
            return RunOptions.NONE;
        }
        String ref = v.metadata().get(IMAGE);
        return new RunOptions(ref == null || ref.isEmpty() ? digest : ref, digest, Map.of(), RestartPolicy.NO, false,
                false);
    }

    /**
     * What makes the root of an image container before its processes come back: the image (from the store, so a
     * node that never pulled it has it) under the writable layer the fetched {@code checkpointImage} carries.
     * Checked before anything is created: a version without its writable layer, or an image the store lacks,
     * fails naming it. A container of --rootfs or --bundle has its root in place: nothing to make.
     */
    Runnable rootFor(ContainerRecord target, Path checkpointImage, String what) {
        if (!target.options().fromImage()) {
            return () -> {
            };
        }
        String digest = target.options().imageDigest();
        Path archive = checkpointImage.resolve(ImageRoots.UPPER_ARCHIVE);
        if (!Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)) {
            throw HydraException.failed("cannot restore " + what + ": the container runs image "
                    + target.options().image() + " but the version carries no writable layer ("
                    + ImageRoots.UPPER_ARCHIVE + ")");
        }
        StoredImage stored;
        try {
            stored = roots.byDigest(digest);
        } catch (HydraException e) {
            throw new HydraException(e.kind(), "cannot restore " + what + ": its image " + target.options().image()
                    + " (" + digest + ") is not available: " + e.getMessage());
        }
        return () -> roots.restoreUpper(archive, stored, target.containerDir());
    }
}
