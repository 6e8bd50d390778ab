package io.hydra.runtime.checkpoint;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.repo.CheckpointVersion;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.image.StoredImage;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

/**
 * What a checkpoint version records of how its container was made, in the version's signed metadata: for a
 * container made from an image, its image's reference and manifest digest (beside the writable layer
 * {@link ImageRoots#UPPER_ARCHIVE} in its image), and for every container its labels, restart policy, {@code --rm}
 * and {@code -t}, so a container restored anywhere is the one that was checkpointed. And what restoring an image
 * container needs: the image from the store, under that layer, in the target's own directory.
 */
final class ImageContainerVersions {
    static final String IMAGE = "image";
    static final String IMAGE_DIGEST = "imageDigest";
    static final String LABELS = "labels";
    static final String RESTART = "restart";
    static final String AUTO_REMOVE = "autoRemove";
    static final String TTY = "tty";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> LABEL_MAP = new TypeReference<>() {
    };

    private final ImageRoots roots;

    ImageContainerVersions(ImageRoots roots) {
        this.roots = roots;
    }

    /** Adds how the container was made to the metadata of its version: its image (if any) and its run options. */
    static void record(ContainerRecord r, Map<String, String> metadata) {
        RunOptions o = r.options();
        if (o.fromImage()) {
            metadata.put(IMAGE, o.image());
            metadata.put(IMAGE_DIGEST, o.imageDigest());
        }
        try {
            metadata.put(LABELS, JSON.writeValueAsString(new TreeMap<>(o.labels())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        metadata.put(RESTART, o.restart().toString());
        metadata.put(AUTO_REMOVE, Boolean.toString(o.autoRemove()));
        metadata.put(TTY, Boolean.toString(o.tty()));
    }

    /**
     * How a version's container was made, for the record of a container restored from it. Versions written before
     * run options were recorded have none: they restore with labels, restart policy, --rm and -t off.
     */
    static RunOptions options(CheckpointVersion v) {
        Map<String, String> m = v.metadata();
        String digest = m.get(IMAGE_DIGEST);
        String ref = m.get(IMAGE);
        boolean fromImage = digest != null && !digest.isEmpty();
        Map<String, String> labels = Map.of();
        RestartPolicy restart = RestartPolicy.NO;
        try {
            if (m.get(LABELS) != null) {
                labels = JSON.readValue(m.get(LABELS), LABEL_MAP);
            }
            if (m.get(RESTART) != null) {
                restart = RestartPolicy.parse(m.get(RESTART));
            }
        } catch (JsonProcessingException | RuntimeException e) {
            throw HydraException.failed("version " + v.version() + " of " + v.containerName() + " has unreadable run"
                    + " options (" + LABELS + ", " + RESTART + "): " + e.getMessage());
        }
        return new RunOptions(fromImage ? (ref == null || ref.isEmpty() ? digest : ref) : null,
                fromImage ? digest : null, labels, restart, Boolean.parseBoolean(m.get(AUTO_REMOVE)),
                Boolean.parseBoolean(m.get(TTY)));
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
