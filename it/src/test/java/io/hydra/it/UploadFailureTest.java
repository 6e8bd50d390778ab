package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * A stopping checkpoint whose upload fails for real (the store's filesystem is full: a 4 MiB tmpfs) brings the
 * container back from its local image: it runs on from where it was, and no staged image is left behind.
 */
class UploadFailureTest {

    @Test
    void aFailedUploadOfAStoppingCheckpointRestoresTheContainerLocally() throws Exception {
        Path mount = null;
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("upload-full")) {
            mount = daemon.root.resolve("storage");
            Files.createDirectories(mount);
            String mounted = HydraDaemonProcess.sh("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.toString());
            assertTrue(mounted.isBlank(), "cannot mount a small tmpfs for the store: " + mounted);
            daemon.start();
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            Memhog.installInto(rootfs);
            daemon.ok("run", "-d", "--name", "f", "--rootfs", rootfs.toString(), "--", "memhog", "64", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "f") >= 3, "counting");

            HydraDaemonProcess.Result r = daemon.hydra("checkpoint", "f");
            assertNotEquals(0, r.code(), "the upload cannot fit: " + r.out());
            assertTrue(r.err().contains("restored from its local image"), r.err());
            assertEquals("running", daemon.status("f"));
            String id = daemon.inspect("f").get("id").asText();
            assertTrue(daemon.runc("state", id).contains("\"running\""), "runc runs it, as its record says");
            long now = Memhog.lastRound(daemon, "f");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "f") > now + 1,
                    "the restored container to count on");
            CheckpointTest.assertContinues(daemon, "f", now);
            try (Stream<Path> staged = Files.list(daemon.root.resolve("checkpoints"))) {
                assertEquals(0, staged.count(), "the staged image goes once the container runs again");
            }
            daemon.ok("rm", "-f", "f");
        } finally {
            if (mount != null) {
                HydraDaemonProcess.sh("umount", "-l", mount.toString());
                HydraDaemonProcess.sh("rm", "-rf", mount.getParent().getParent().toString());
            }
        }
    }
}
