package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/**
 * A container busy in a long operation (a checkpoint holds its lock throughout) stalls nothing else: not the
 * reconcile pass, not `ps` or `info`, not another container's verbs or exit. The checkpoint is long for real: the
 * daemon's runtime is a wrapper script that waits before it runs the real runc's checkpoint.
 */
class BusyContainerTest {
    private static final long HOLD_SECONDS = 12;

    @Test
    void aLongCheckpointStallsNoOtherContainerNorThePeriodicPass() throws Exception {
        Path tools = Files.createTempDirectory(Path.of("/tmp"), "hydra-it-slow-runc-");
        Path began = tools.resolve("checkpoint-began");
        Path wrapper = tools.resolve("slow-checkpoint-runc");
        RuntimeWrapper.around(wrapper,
                "for a in \"$@\"; do",
                "  if [ \"$a\" = checkpoint ]; then touch " + began + "; sleep " + HOLD_SECONDS + "; break; fi",
                "done");
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("busy", "hydra.runtime.path=" + wrapper).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            Memhog.installInto(rootfs);
            daemon.ok("run", "-d", "--name", "slow", "--rootfs", rootfs.toString(), "--", "memhog", "16", "5", "100");
            daemon.ok("run", "-d", "--name", "other", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            daemon.ok("run", "-d", "--name", "dies", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "slow") >= 2,
                    "counting");

            long start = System.nanoTime();
            CompletableFuture<HydraDaemonProcess.Result> checkpoint =
                    CompletableFuture.supplyAsync(() -> daemon.hydra("checkpoint", "--leave-running", "slow"));
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Files.exists(began), "the checkpoint to begin");

            // meanwhile: listing, info, another container's stop, and an exit elsewhere all go on
            assertAnswersQuickly(() -> daemon.ok("ps", "-a"), "ps");
            assertAnswersQuickly(() -> daemon.ok("info"), "info");
            assertAnswersQuickly(() -> daemon.ok("stop", "-t", "1", "other"), "stop of another container");
            assertEquals("exited", daemon.status("other"));
            daemon.runc("kill", daemon.inspect("dies").get("id").asText(), "KILL");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(5), () -> daemon.status("dies").equals("exited"),
                    "the exit of another container to be recorded during the checkpoint");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(5), () -> daemon.readLog().contains(
                    "reconcile: container slow is busy"), "the periodic pass to skip the busy container, not wait");
            assertTrue(!checkpoint.isDone(), "all of that happened while the checkpoint still held its container");

            HydraDaemonProcess.Result done = checkpoint.get();
            assertEquals(0, done.code(), done.err());
            assertTrue(System.nanoTime() - start >= Duration.ofSeconds(HOLD_SECONDS).toNanos());
            assertEquals("running", daemon.status("slow"));
            long now = Memhog.lastRound(daemon, "slow");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Memhog.lastRound(daemon, "slow") > now,
                    "the checkpointed container to count on");
            for (String name : new String[] {"slow", "other", "dies"}) {
                daemon.ok("rm", "-f", name);
            }
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", tools.toString());
        }
    }

    private static void assertAnswersQuickly(Runnable call, String what) {
        long t = System.nanoTime();
        call.run();
        long ms = Duration.ofNanos(System.nanoTime() - t).toMillis();
        assertTrue(ms < 5000, what + " took " + ms + " ms behind a busy container");
    }
}
