package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.hydra.storage.s3.testing.S3ProxyServer;

/**
 * Restore by name on a daemon with a fresh root that never ran the container, sharing a real S3 bucket (S3Proxy)
 * with several containers' checkpoints: found through the bucket's name markers, also in a bucket written before
 * markers existed (the marker is written back), and the restored daemon's next checkpoint builds its own on-disk
 * chunk index.
 */
class S3RestoreByNameTest {
    private static final String BUCKET = "hydra-names";

    /** Both daemons hold the shared manifest key: the lookup by name then also checks the markers' manifests' MACs. */
    private static String[] s3Settings(S3ProxyServer s3) throws java.io.IOException {
        return S3DaemonSettings.sharingManifestKey(s3, BUCKET);
    }

    @Test
    void aFreshDaemonRestoresByNameThroughTheMarkersEvenInABucketWithoutThem() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-names-");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess first = new HydraDaemonProcess("names-a", s3Settings(s3)).start();
             HydraDaemonProcess second = new HydraDaemonProcess("names-b", s3Settings(s3)).start()) {
            Path rootfs = BusyboxRootfs.create(first.dir.resolve("rootfs"));
            for (String name : new String[] {"alpha", "beta", "gamma"}) {
                first.ok("run", "-d", "--name", name, "--rootfs", rootfs.toString(), "--", "sleep", "1000");
                first.ok("checkpoint", "--leave-running", name);
                first.ok("checkpoint", name);
            }
            String betaId = first.inspect("beta").get("id").asText();
            Path markers = s3dir.resolve(BUCKET).resolve("names");
            assertTrue(Files.exists(markers.resolve("beta").resolve(betaId)), "the marker of beta is in the bucket");

            second.ok("restore", "beta");
            assertEquals("running", second.status("beta"));
            assertEquals(betaId, second.inspect("beta").get("id").asText());

            // A bucket from before markers existed: the name is still found, and the marker written back.
            HydraDaemonProcess.sh("rm", "-rf", markers.toString());
            String gammaId = first.inspect("gamma").get("id").asText();
            second.ok("restore", "gamma");
            assertEquals("running", second.status("gamma"));
            assertEquals(gammaId, second.inspect("gamma").get("id").asText());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10),
                    () -> Files.exists(markers.resolve("gamma").resolve(gammaId)), "gamma's marker written back");

            // The second daemon checkpoints what it restored: its index is built on disk from the bucket.
            second.ok("checkpoint", "beta");
            assertTrue(Files.isRegularFile(second.root.resolve("checkpoint-index").resolve("chunks.db")),
                    "the chunk index lives under the daemon's root");
            assertEquals(3, second.ok("checkpoints", "beta", "--format", "json").json().size());
            second.ok("rm", "-f", "beta");
            second.ok("restore", "beta");
            assertEquals("running", second.status("beta"));

            second.ok("rm", "-f", "beta");
            second.ok("rm", "-f", "gamma");
            for (String name : new String[] {"alpha", "beta", "gamma"}) {
                first.ok("rm", "-f", name);
            }
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString());
        }
    }
}
