package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.hydra.storage.s3.testing.S3ProxyServer;

/**
 * The writable layer travels: a container from an image pulled from a real registry writes a file and counts, is
 * checkpointed into S3, and a second daemon with its own root, sharing only the bucket, restores it with the
 * registry stopped: image and layer come from the store, the file is there and the counter goes on.
 */
class ImagePortabilityTest {
    private static final String BUCKET = "hydra-portable";

    @Test
    void aContainerOfAPulledImageMovesToAnotherNodeWithItsFilesWhileTheRegistryIsDown() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-");
        RegistryServer registry = RegistryServer.start("portable");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess first = new HydraDaemonProcess("port-a", settings(s3, registry)).start();
             HydraDaemonProcess second = new HydraDaemonProcess("port-b",
                     S3DaemonSettings.sharingManifestKey(s3, BUCKET)).start()) {
            Path layout = OciImages.busybox(first.dir.resolve("busybox"), "1");
            // an image label is the container's too, and must not keep it from moving (as an OCI annotation would)
            OciImages.run(List.of("umoci", "config", "--image", layout + ":1", "--config.label",
                    "org.example.origin=hydra-tests"));
            registry.push(layout, "1", "tools/busybox:1");
            String ref = registry.host() + "/tools/busybox:1";
            first.ok("pull", ref);
            first.ok("run", "-d", "--name", "mover", ref, "sh", "-c",
                    "mkdir -p /data; echo written-on-a > /data/file; i=0; while true; do i=$((i+1)); echo $i > /count;"
                            + " echo $i; sleep 0.2; done");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(15),
                    () -> ImageContainersTest.lastLine(first, "mover") >= 3, "counting");
            first.ok("checkpoint", "mover");
            assertEquals("checkpointed", first.status("mover"));
            long lastBefore = ImageContainersTest.lastLine(first, "mover");

            registry.close();
            assertEquals(0, registry.status("/v2/"), "the registry is down");

            second.ok("restore", "mover");
            JsonNode moved = second.inspect("mover");
            assertEquals("running", moved.get("status").asText());
            assertEquals(first.inspect("mover").get("imageDigest").asText(), moved.get("imageDigest").asText());
            assertEquals("hydra-tests", first.inspect("mover").path("labels").path("org.example.origin").asText(),
                    first.inspect("mover").toString());
            assertEquals("written-on-a\n", second.ok("exec", "mover", "--", "cat", "/data/file").out(),
                    "the file written on the first node is there");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20),
                    () -> ImageContainersTest.lastLine(second, "mover") > lastBefore, "the counter to go on");
            assertEquals(lastBefore + 1, ImageContainersTest.firstLine(second, "mover"),
                    "it resumed where it stopped");
            long counted = Long.parseLong(second.ok("exec", "mover", "--", "cat", "/count").out().trim());
            assertTrue(counted > lastBefore, "and its /count goes on from the checkpointed value: " + counted);
            Path movedDir = second.root.resolve("containers").resolve(moved.get("id").asText());
            assertTrue(Files.isDirectory(movedDir.resolve("upper/data")), "its own writable layer on the second node");
            try (var layers = Files.list(second.root.resolve("layers"))) {
                assertTrue(layers.anyMatch(l -> !l.getFileName().toString().startsWith(".")),
                        "the second node unpacked the image's layer from the store");
            }

            second.ok("rm", "-f", "mover");
            assertFalse(Files.exists(movedDir));
            first.ok("rm", "mover");
        } finally {
            registry.close();
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString(), s3dir + ".mac-key", registry.dir.toString());
        }
    }

    private static String[] settings(S3ProxyServer s3, RegistryServer registry) throws java.io.IOException {
        List<String> settings = new ArrayList<>(List.of(S3DaemonSettings.sharingManifestKey(s3, BUCKET)));
        settings.add("hydra.registries.insecure=" + registry.host());
        return settings.toArray(String[]::new);
    }
}
