package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.hydra.runtime.image.ImageConfig;
import io.hydra.runtime.image.StoredImage;

/** The config of a container made from an image: generated as for --rootfs, the command found in the merged root. */
class BundlePreparerFromImageTest {
    @TempDir
    Path dir;

    private Path mergedRoot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("containers/abc/rootfs"));
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path busybox = Files.writeString(bin.resolve("busybox"), "#!");
        busybox.toFile().setExecutable(true);
        Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
        Files.writeString(bin.resolve("data"), "not a program");
        Files.createDirectories(root.resolve("opt/tool"));
        return root;
    }

    private static CreateSpec effective(List<String> entrypoint, List<String> cmd, List<String> imageEnv,
                                        List<String> runArgs, List<String> runEnv) {
        StoredImage image = new StoredImage("docker.io/library/test:1", "sha256:" + "ab".repeat(32),
                "sha256:" + "cd".repeat(32), new ImageConfig(entrypoint, cmd, imageEnv, null, null, Map.of(),
                List.of(), null), List.of(), 0, Instant.EPOCH);
        return ImageProcess.apply(image, new CreateSpec("c", null, null, "test:1", runArgs, runEnv, null, false,
                false, false, 0, 0, List.of(), null, null, Map.of(), null, false));
    }

    private static List<String> env(JsonNode config) {
        List<String> env = new ArrayList<>();
        config.path("process").path("env").forEach(e -> env.add(e.asText()));
        return env;
    }

    @Test
    void theConfigRunsTheImagesCommandInTheMountedRootWithItsOwnCgroup() throws Exception {
        Path root = mergedRoot();
        BundlePreparer.PreparedBundle b = new BundlePreparer().fromImage(effective(List.of("sh", "-c"),
                List.of("echo hi"), List.of("A=1"), List.of(), List.of()), root, "/hydra/abc");
        assertEquals(List.of("sh", "-c", "echo hi"), b.command());
        assertEquals(root.toString(), b.config().path("root").path("path").asText());
        assertEquals("/hydra/abc", b.config().path("linux").path("cgroupsPath").asText());
        assertTrue(env(b.config()).contains("A=1"), env(b.config()).toString());
        assertEquals(null, b.userBundle());
    }

    @Test
    void theImagesPathReplacesTheDefaultOneAndIsTheOneSearched() throws Exception {
        Path root = mergedRoot();
        Files.createSymbolicLink(root.resolve("opt/tool/mytool"), Path.of("/bin/busybox"));
        BundlePreparer.PreparedBundle b = new BundlePreparer().fromImage(effective(List.of(), List.of("mytool"),
                List.of("PATH=/opt/tool:/bin"), List.of(), List.of("B=2")), root, "/hydra/abc");
        List<String> env = env(b.config());
        assertEquals(1, env.stream().filter(e -> e.startsWith("PATH=")).count(), env.toString());
        assertTrue(env.contains("PATH=/opt/tool:/bin") && env.contains("B=2"), env.toString());
        // -e over the image's, once
        BundlePreparer.PreparedBundle overridden = new BundlePreparer().fromImage(effective(List.of(),
                List.of("sh"), List.of("PATH=/opt/tool:/bin"), List.of(), List.of("PATH=/bin")), root, "/hydra/abc");
        assertEquals(List.of("PATH=/bin"), env(overridden.config()).stream().filter(e -> e.startsWith("PATH="))
                .toList());
    }

    @Test
    void aCommandMissingFromTheMergedRootIs127AndOneThatCannotRunIs126() throws Exception {
        Path root = mergedRoot();
        CommandNotRunnableException missing = assertThrows(CommandNotRunnableException.class,
                () -> new BundlePreparer().fromImage(effective(List.of(), List.of("nosuch"), List.of(), List.of(),
                        List.of()), root, "/hydra/abc"));
        assertEquals(127, missing.exitCode());
        assertTrue(missing.getMessage().contains("image test:1") && missing.getMessage().contains("'nosuch'"),
                missing.getMessage());
        CommandNotRunnableException notExecutable = assertThrows(CommandNotRunnableException.class,
                () -> new BundlePreparer().fromImage(effective(List.of(), List.of("sh"), List.of(), List.of("data"),
                        List.of()), root, "/hydra/abc"));
        assertEquals(126, notExecutable.exitCode());
        // a run arg replaces Cmd, so the missing default command does not matter
        assertEquals(List.of("sh"), new BundlePreparer().fromImage(effective(List.of(), List.of("nosuch"), List.of(),
                List.of("sh"), List.of()), root, "/hydra/abc").command());
    }
}
