package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.hydra.storage.s3.testing.S3ProxyServer;

/** Checkpoints in a real S3 server (S3Proxy): shared by two daemons, and surviving the server's outage. */
class S3CheckpointTest {
    private static final String BUCKET = "hydra-checkpoints";

    /** A shared store needs a manifest key every daemon sharing it holds. */
    private static String[] s3Settings(S3ProxyServer s3) throws java.io.IOException {
        return S3DaemonSettings.sharingManifestKey(s3, BUCKET);
    }

    @Test
    void aVersionStoredByOneDaemonIsRestoredByAnotherSharingTheBucket() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess first = new HydraDaemonProcess("s3-a", s3Settings(s3)).start();
             HydraDaemonProcess second = new HydraDaemonProcess("s3-b", s3Settings(s3)).start()) {
            Path rootfs = BusyboxRootfs.create(first.dir.resolve("rootfs"));
            Memhog.installInto(rootfs);
            first.ok("run", "-d", "--name", "mover", "--rootfs", rootfs.toString(), "--", "memhog", "16", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Memhog.lastRound(first, "mover") >= 3,
                    "counting");
            first.ok("checkpoint", "mover");
            long lastBefore = Memhog.lastRound(first, "mover");

            // the second daemon has its own root and no record of the container: it finds it in the bucket by name
            JsonNode versions = second.ok("checkpoints", "mover", "--format", "json").json();
            assertEquals(1, versions.size());
            second.ok("restore", "mover");
            JsonNode moved = second.inspect("mover");
            assertEquals("running", moved.get("status").asText());
            assertEquals(first.inspect("mover").get("id").asText(), moved.get("id").asText());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(second, "mover") > lastBefore,
                    "the counter to go on under the second daemon");
            List<Long> rounds = Memhog.rounds(second, "mover");
            assertEquals(lastBefore + 1, rounds.get(0), "it resumed where it stopped: " + rounds);
            second.ok("rm", "-f", "mover");
            first.ok("rm", "mover");
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString(), s3dir + ".mac-key");
        }
    }

    @Test
    void aPolicyRidesOutAnS3OutageWithoutLosingWhatWasStored() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess daemon = new HydraDaemonProcess("s3-policy", s3Settings(s3)).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            Memhog.installInto(rootfs);
            daemon.ok("run", "-d", "--name", "p", "--rootfs", rootfs.toString(), "--", "memhog", "8", "5", "100");
            daemon.ok("policy", "p", "--every", "2s", "--keep", "2");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60),
                    () -> completeVersions(daemon, "p") >= 2, "two policy checkpoints");

            s3.stop();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> daemon.readLog()
                    .contains("policy checkpoint of p failed"), "a policy run to fail while S3 is down");
            assertEquals("running", daemon.status("p"), "a failed checkpoint leaves the container running");

            s3.restart();
            long newestBefore = newest(daemon, "p");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> newest(daemon, "p") > newestBefore,
                    "the policy to succeed again once S3 is back");
            JsonNode versions = daemon.ok("checkpoints", "p", "--format", "json").json();
            assertTrue(versions.size() <= 3, "retention keeps about 2: " + versions);
            for (JsonNode v : versions) {
                assertTrue(v.get("complete").asBoolean(), versions.toString());
            }
            daemon.ok("policy", "p", "--remove");
            daemon.ok("rm", "-f", "p");
            // the newest: retention may still be removing the oldest listed a moment ago
            daemon.ok("restore", "p", "--version", versions.get(versions.size() - 1).get("version").asText());
            assertEquals("running", daemon.status("p"));
            daemon.ok("rm", "-f", "p");
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString(), s3dir + ".mac-key");
        }
    }

    private static long completeVersions(HydraDaemonProcess daemon, String name) {
        HydraDaemonProcess.Result r = daemon.hydra("checkpoints", name, "--format", "json");
        if (r.code() != 0) {
            return 0;
        }
        long n = 0;
        for (JsonNode v : r.json()) {
            n += v.get("complete").asBoolean() ? 1 : 0;
        }
        return n;
    }

    private static long newest(HydraDaemonProcess daemon, String name) {
        HydraDaemonProcess.Result r = daemon.hydra("checkpoints", name, "--format", "json");
        long newest = 0;
        if (r.code() == 0) {
            for (JsonNode v : r.json()) {
                newest = Math.max(newest, v.get("version").asLong());
            }
        }
        return newest;
    }
}
