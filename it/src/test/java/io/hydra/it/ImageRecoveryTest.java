package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * An image container outlives its daemon like any other: its root stays mounted through a SIGKILL of the daemon,
 * the new daemon adopts it, and a restart finds the mount in place (mounting is idempotent).
 */
class ImageRecoveryTest {
    @Test
    void anImageContainerKeepsItsMountedRootAcrossADaemonCrash() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("imgrec").start()) {
            daemon.ok("image", "import", OciImages.busybox(daemon.dir.resolve("busybox"), "latest").toString());
            daemon.ok("run", "-d", "--name", "survivor", "busybox", "sh", "-c",
                    "echo before > /state; exec sleep 300");
            Path dir = daemon.root.resolve("containers").resolve(daemon.inspect("survivor").get("id").asText());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Files.exists(dir.resolve("upper/state")),
                    "the write");

            daemon.kill9();
            daemon.start();
            assertEquals("running", daemon.status("survivor"));
            assertEquals("before\n", daemon.ok("exec", "survivor", "--", "cat", "/state").out());

            daemon.ok("restart", "-t", "1", "survivor");
            assertEquals("running", daemon.status("survivor"));
            assertEquals("before\n", daemon.ok("exec", "survivor", "--", "cat", "/state").out(),
                    "the same writable layer, mounted once");
            long mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.contains(dir.resolve("rootfs").toString())).count();
            assertEquals(1, mounts, "not mounted twice");

            daemon.ok("rm", "-f", "survivor");
            assertFalse(Files.exists(dir));
            assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).indexOf(dir.toString()) < 0);
        }
    }
}
