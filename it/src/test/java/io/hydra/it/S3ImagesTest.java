package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString(), s3dir + ".mac-key");
        }
    }

    /**
     * Node B runs a container from an image node A imported: that container's pin (owner {@code node-b.<id>}) keeps
     * node A's rmi from removing the image until B removes the container.
     */
    @Test
    void rmiOnOneNodeIsRefusedWhileAContainerOnAnotherNodeUsesTheImage() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-pins-");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess nodeA = new HydraDaemonProcess("s3-pins-a", onNode(s3, "node-a")).start();
             HydraDaemonProcess nodeB = new HydraDaemonProcess("s3-pins-b", onNode(s3, "node-b")).start()) {
            Path layout = OciImages.busybox(nodeA.dir.resolve("pinned"), "1");
            nodeA.ok("image", "import", "--format", "json", layout.toString());
            nodeB.ok("run", "-d", "--name", "user", "pinned:1", "sleep", "1000");
            assertEquals("running", nodeB.status("user"));
            String pinOwner = "node-b." + nodeB.inspect("user").get("id").asText();

            HydraDaemonProcess.Result refused = nodeA.hydra("rmi", "pinned:1");
            assertTrue(refused.code() != 0, refused.toString());
            assertTrue(refused.err().contains(pinOwner) && refused.err().contains("rmi -f"),
                    "names " + pinOwner + ": " + refused.err());
            assertEquals(1, nodeA.ok("images", "--format", "json").json().size(), "the refused rmi kept the ref");

            nodeB.ok("rm", "-f", "user");
            nodeA.ok("rmi", "pinned:1");
            assertEquals(0, nodeA.ok("images", "--format", "json").json().size());
            assertEquals(0, nodeB.ok("images", "--format", "json").json().size());
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString(), s3dir + ".mac-key");
        }
    }

    /** Shared-bucket settings for a daemon with its own node id (both run on this host, whose name they would share). */
    static String[] onNode(S3ProxyServer s3, String nodeId) throws java.io.IOException {
        List<String> settings = new ArrayList<>(List.of(S3DaemonSettings.sharingManifestKey(s3, BUCKET)));
        settings.add("hydra.node-id=" + nodeId);
        return settings.toArray(String[]::new);
    }
}
