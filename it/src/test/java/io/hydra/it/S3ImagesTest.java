package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.hydra.storage.s3.testing.S3ProxyServer;

import com.fasterxml.jackson.databind.JsonNode;

/** Images live in the shared store: what one node imports, another node sharing the S3 bucket lists and removes. */
class S3ImagesTest {
    private static final String BUCKET = "hydra-images";

    @Test
    void anImageImportedOnOneNodeIsOnEveryNodeSharingTheBucket() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-images-");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess first = new HydraDaemonProcess("s3-images-a",
                     S3DaemonSettings.sharingManifestKey(s3, BUCKET)).start();
             HydraDaemonProcess second = new HydraDaemonProcess("s3-images-b",
                     S3DaemonSettings.sharingManifestKey(s3, BUCKET)).start()) {
            Path layout = OciImages.busybox(first.dir.resolve("shared"), "1");
            JsonNode imported = first.ok("image", "import", "--format", "json", layout.toString()).json();
            assertEquals("docker.io/library/shared:1", imported.get("ref").asText());
            assertTrue(Files.isDirectory(s3dir.resolve(BUCKET).resolve("images")), "the blobs are in the bucket");

            JsonNode listed = second.ok("images", "--format", "json").json();
            assertEquals(1, listed.size(), listed.toString());
            assertEquals(imported.get("digest").asText(), listed.get(0).get("digest").asText());
            assertEquals(imported.get("size").asLong(), listed.get(0).get("size").asLong());

            second.ok("rmi", "shared:1");
            assertEquals(0, first.ok("images", "--format", "json").json().size());
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString());
        }
    }

    /**
     * A pin another node wrote (as its container or checkpoint code does, through ImageService.pin) is honoured by
     * this node's rmi: images/pins/HEX/OWNER is put in the bucket's directory of the S3 server here, standing for
     * node B's conditional create.
     */
    @Test
    void rmiOnOneNodeIsRefusedWhileAnotherNodePinsTheImage() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-pins-");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess nodeA = new HydraDaemonProcess("s3-pins-a",
                     S3DaemonSettings.sharingManifestKey(s3, BUCKET)).start()) {
            Path layout = OciImages.busybox(nodeA.dir.resolve("pinned"), "1");
            JsonNode imported = nodeA.ok("image", "import", "--format", "json", layout.toString()).json();
            String digest = imported.get("digest").asText();
            Path pins = s3dir.resolve(BUCKET).resolve("images/pins").resolve(digest.substring("sha256:".length()));
            Files.createDirectories(pins);
            Files.writeString(pins.resolve("node-b.c0ffee"), "node-b.c0ffee 2026-01-01T00:00:00Z\n");

            HydraDaemonProcess.Result refused = nodeA.hydra("rmi", "pinned:1");
            assertTrue(refused.code() != 0, refused.toString());
            assertTrue(refused.err().contains("node-b.c0ffee") && refused.err().contains("rmi -f"), refused.err());
            assertEquals(1, nodeA.ok("images", "--format", "json").json().size());

            nodeA.ok("rmi", "-f", "pinned:1");
            assertEquals(0, nodeA.ok("images", "--format", "json").json().size(), "-f removes the ref");
            Path blob = s3dir.resolve(BUCKET).resolve("images/blobs/sha256").resolve(digest.substring(7));
            assertTrue(Files.exists(blob), "the pinned image's manifest stays in the store");
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString());
        }
    }
}
