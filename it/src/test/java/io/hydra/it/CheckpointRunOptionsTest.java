package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * A checkpoint of an image container carries its run options (labels, restart policy) to the node that restores
 * it, and pins its image in the shared store while any of its versions exists, even once no container uses it.
 */
class CheckpointRunOptionsTest {
    private static final String BUCKET = "hydra-ckpt-options";
    private static final String COUNTER = "i=0; while true; do i=$((i+1)); echo $i; sleep 0.2; done";

    @Test
    void labelsAndRestartPolicyTravelAndTheCheckpointPinsTheImageUntilItsLastVersionGoes() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-ckpt-options-");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess nodeA = new HydraDaemonProcess("ckpt-options-a", onNode(s3, "node-a")).start();
             HydraDaemonProcess nodeB = new HydraDaemonProcess("ckpt-options-b", onNode(s3, "node-b")).start()) {
            Path layout = OciImages.busybox(nodeA.dir.resolve("kept"), "1");
            nodeA.ok("image", "import", layout.toString());
            nodeA.ok("run", "-d", "--name", "keeper", "--label", "k=v", "--restart", "on-failure:2", "kept:1",
                    "sh", "-c", COUNTER);
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(15),
                    () -> ImageContainersTest.lastLine(nodeA, "keeper") >= 3, "counting");
            String id = nodeA.inspect("keeper").get("id").asText();
            nodeA.ok("checkpoint", "keeper");
            assertEquals("checkpointed", nodeA.status("keeper"));
            nodeA.ok("rm", "keeper");
            assertTrue(nodeA.hydra("inspect", "keeper").code() != 0, "the local container is gone");

            HydraDaemonProcess.Result refused = nodeA.hydra("rmi", "kept:1");
            assertTrue(refused.code() != 0 && refused.err().contains("checkpoint." + id),
                    "the checkpoint's pin refuses rmi with no container left: " + refused);

            nodeB.ok("restore", "keeper");
            JsonNode restored = nodeB.inspect("keeper");
            assertEquals("running", restored.get("status").asText());
            assertEquals("v", restored.path("labels").path("k").asText(), restored.toString());
            assertEquals("on-failure:2", restored.get("restartPolicy").asText(), restored.toString());
            HydraDaemonProcess.Result whileRunning = nodeA.hydra("rmi", "kept:1");
            assertTrue(whileRunning.code() != 0 && whileRunning.err().contains("node-b." + restored.get("id").asText()),
                    "the container restored on node B pins its image there: " + whileRunning);
            nodeB.ok("rm", "-f", "keeper");

            refused = nodeA.hydra("rmi", "kept:1");
            assertTrue(refused.code() != 0 && refused.err().contains("checkpoint." + id),
                    "the checkpoint still pins the image after the restored container is gone: " + refused);

            // the versions are removed on the other node: the pin node A's checkpoint wrote is released from there
            JsonNode versions = nodeB.ok("checkpoints", "keeper", "--format", "json").json();
            assertTrue(versions.size() >= 1, versions.toString());
            for (int i = 0; i < versions.size(); i++) {
                if (i == versions.size() - 1) {
                    refused = nodeA.hydra("rmi", "kept:1");
                    assertTrue(refused.code() != 0 && refused.err().contains("checkpoint." + id),
                            "pinned while a version is left: " + refused);
                }
                nodeB.ok("rm-checkpoint", "keeper", "--version", versions.get(i).get("version").asText());
            }
            nodeA.ok("rmi", "kept:1");
            assertEquals(0, nodeA.ok("images", "--format", "json").json().size());
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString(), s3dir + ".mac-key");
        }
    }

    private static String[] onNode(S3ProxyServer s3, String nodeId) throws java.io.IOException {
        List<String> settings = new ArrayList<>(List.of(S3DaemonSettings.sharingManifestKey(s3, BUCKET)));
        settings.add("hydra.node-id=" + nodeId);
        return settings.toArray(String[]::new);
    }
}
