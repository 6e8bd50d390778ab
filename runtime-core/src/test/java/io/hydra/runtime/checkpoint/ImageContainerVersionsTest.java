package io.hydra.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.repo.CheckpointVersion;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

/** What a version of an image container records, and what its restore refuses before anything is made. */
class ImageContainerVersionsTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);
    private static final RunOptions IMAGE = new RunOptions("docker.io/library/busybox:latest", DIGEST, Map.of(),
            RestartPolicy.NO, false, false);

    @TempDir
    Path dir;

    private ContainerRecord record(RunOptions options) {
        Path containerDir = dir.resolve("containers/c");
        return new ContainerRecord("c", "web", ContainerStatus.creating, "eager", null, containerDir,
                containerDir.resolve("bundle"), null, List.of("sh"), false, 0, null, null, false, null, "node",
                Instant.EPOCH, null, null, 0, options);
    }

    private static CheckpointVersion version(Map<String, String> metadata) {
        return new CheckpointVersion("c", "web", 1, Instant.EPOCH, 1, 1, metadata, Optional.empty());
    }

    @Test
    void theImageGoesIntoTheMetadataAndComesBackAsTheRestoredRecordsOptions() {
        Map<String, String> metadata = new HashMap<>();
        ImageContainerVersions.record(record(IMAGE), metadata);
        RunOptions back = ImageContainerVersions.options(version(metadata));
        assertEquals(IMAGE.image(), back.image());
        assertEquals(DIGEST, back.imageDigest());

        Map<String, String> plain = new HashMap<>();
        ImageContainerVersions.record(record(RunOptions.NONE), plain);
        assertTrue(!plain.containsKey(ImageContainerVersions.IMAGE_DIGEST), plain.toString());
        assertEquals(RunOptions.NONE, ImageContainerVersions.options(version(plain)), "a --rootfs version");
        assertEquals(RunOptions.NONE, ImageContainerVersions.options(version(Map.of())),
                "a version written before images and run options restores as before");
    }

    @Test
    void labelsRestartPolicyRmAndTtyTravelWithTheVersion() {
        RunOptions options = new RunOptions(IMAGE.image(), DIGEST, Map.of("tier", "db", "a=b", "x"),
                RestartPolicy.parse("on-failure:2"), true, true);
        Map<String, String> metadata = new HashMap<>();
        ImageContainerVersions.record(record(options), metadata);
        assertEquals(options, ImageContainerVersions.options(version(metadata)));
        metadata.put(ImageContainerVersions.RESTART, "sometimes");
        HydraException e = assertThrows(HydraException.class, () -> ImageContainerVersions.options(version(metadata)));
        assertTrue(e.getMessage().contains("version 1 of web") && e.getMessage().contains("restart"), e.getMessage());
    }

    @Test
    void aVersionOfAnImageContainerWithoutItsWritableLayerIsRefusedNamingIt() throws Exception {
        ImageContainerVersions versions = new ImageContainerVersions(ImageRoots.unavailable("unused here"));
        Path checkpointImage = Files.createDirectories(dir.resolve("image"));
        HydraException e = assertThrows(HydraException.class,
                () -> versions.rootFor(record(IMAGE), checkpointImage, "version 1 of web"));
        assertTrue(e.getMessage().contains("version 1 of web") && e.getMessage().contains(ImageRoots.UPPER_ARCHIVE)
                && e.getMessage().contains("busybox"), e.getMessage());

        Files.writeString(checkpointImage.resolve(ImageRoots.UPPER_ARCHIVE), "tar");
        HydraException noStore = assertThrows(HydraException.class,
                () -> versions.rootFor(record(IMAGE), checkpointImage, "version 1 of web"));
        assertTrue(noStore.getMessage().contains(DIGEST) && noStore.getMessage().contains("not available"),
                noStore.getMessage());
        // a --rootfs container's root is in place: nothing to make, nothing asked of the store
        versions.rootFor(record(RunOptions.NONE), checkpointImage, "v1").run();
    }
}
