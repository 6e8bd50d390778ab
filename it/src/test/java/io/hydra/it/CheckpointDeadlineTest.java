package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A checkpoint that hangs with the container frozen: the runtime is a wrapper around the real runc that, on
 * {@code checkpoint}, pauses the container (as CRIU's freezer would) and hangs in a child of its own. The dump must
 * fail within hydra.checkpoint.timeout, the daemon must answer meanwhile, the hung child must be killed, and the
 * container must run and count afterwards.
 */
class CheckpointDeadlineTest {
    private static final String COUNTER = "i=0; while true; do i=$((i+1)); echo \"round $i\"; sleep 0.2; done";

    @Test
    void aHungFrozenCheckpointFailsAtItsDeadlineAndTheContainerKeepsCounting() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "hydra-hang-");
        Path hungPid = work.resolve("hung.pid");
        Path paused = work.resolve("paused");
        Path wrapper = work.resolve("runc-hangs-on-checkpoint");
        RuntimeWrapper.freezingAndHangingOnCheckpoint(wrapper, paused, hungPid);
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("hang", "hydra.runtime.path=" + wrapper,
                "hydra.checkpoint.timeout=4s").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "busy", "--rootfs", rootfs.toString(), "--", "sh", "-c", COUNTER);
            daemon.ok("run", "-d", "--name", "other", "--rootfs", rootfs.toString(), "--", "sleep", "100000");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Memhog.lastRound(daemon, "busy") >= 3,
                    "counting");

            long start = System.nanoTime();
            CompletableFuture<HydraDaemonProcess.Result> checkpoint = CompletableFuture.supplyAsync(
                    () -> daemon.hydra("checkpoint", "--leave-running", "busy"));
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Files.exists(paused) && exists(hungPid),
                    "the wrapper to freeze the container and hang");
            assertTrue(daemon.runc("state", idOf(daemon, "busy")).contains("\"paused\""), "the container is frozen");

            // the daemon answers while the dump hangs: ps, and another container's stop
            long psStart = System.nanoTime();
            daemon.ok("ps");
            long psMs = (System.nanoTime() - psStart) / 1_000_000;
            daemon.ok("stop", "-t", "1", "other");
            assertEquals("exited", daemon.status("other"));
            assertTrue(!checkpoint.isDone(), "the checkpoint is still hanging while ps and stop answered");

            HydraDaemonProcess.Result failed = checkpoint.get(60, TimeUnit.SECONDS);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(failed.code() != 0, "the hung checkpoint must fail: " + failed.out());
            assertTrue(failed.err().contains("did not finish within 4 s"), failed.err());
            assertTrue(failed.err().contains("has been resumed"), failed.err());
            assertTrue(tookMs < 4_000 + 20_000, "failed " + tookMs + " ms after it began, deadline 4 s");
            assertTrue(tookMs >= 4_000, "it waited for its deadline: " + tookMs + " ms");

            long hung = Long.parseLong(Files.readString(hungPid).trim());
            assertTrue(ProcessRunnerProbe.dead(hung), "the wrapper's hung child " + hung + " was killed");

            assertEquals("running", daemon.status("busy"));
            assertTrue(daemon.runc("state", idOf(daemon, "busy")).contains("\"running\""), "thawed");
            long before = Memhog.lastRound(daemon, "busy");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Memhog.lastRound(daemon, "busy") > before + 3,
                    "the container to keep counting after the failed checkpoint");
            System.out.printf("hung checkpoint failed after %d ms (deadline 4 s); ps answered in %d ms meanwhile%n",
                    tookMs, psMs);
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", work.toString());
        }
    }

    private static String idOf(HydraDaemonProcess daemon, String name) {
        return daemon.inspect(name).get("id").asText();
    }

    private static boolean exists(Path p) {
        try {
            return Files.exists(p) && Files.size(p) > 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Whether a pid runs no more: gone, or a zombie waiting for init. */
    static final class ProcessRunnerProbe {
        static boolean dead(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                return state == 'Z' || state == 'X';
            } catch (java.io.IOException e) {
                return true;
            }
        }
    }
}
