package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A restore through conmon that hangs: the runtime is a wrapper around the real runc that, while a marker file
 * exists, hangs on {@code restore} in a child of its own. The restore must fail within hydra.checkpoint.timeout
 * (not conmon's old fixed 60 s) naming that deadline, leave no runtime state, no monitor and no hung child, keep
 * the container checkpointed, and the same checkpoint must restore once the runtime behaves.
 */
class RestoreDeadlineTest {
    private static final String COUNTER = "i=0; while true; do i=$((i+1)); echo \"round $i\"; sleep 0.2; done";

    /** Under both monitors: a detached conmon is found from its pid file, a lazy one is our child to reap. */
    @ParameterizedTest
    @ValueSource(strings = {"eager", "lazy"})
    void aHungRestoreFailsAtTheCheckpointDeadlineAndLeavesNothingBehind(String monitor) throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "hydra-restore-hang-");
        Path hang = work.resolve("hang");
        Path hungPid = work.resolve("hung.pid");
        Path wrapper = work.resolve("runc-hangs-on-restore");
        RuntimeWrapper.around(wrapper,
                "# the real runc, except that restore hangs while " + hang + " exists",
                "for a in \"$@\"; do",
                "  if [ \"$a\" = restore ] && [ -e " + hang + " ]; then",
                "    sleep 100000 &",
                "    echo $! > " + hungPid,
                "    wait",
                "    exit 1",
                "  fi",
                "done");
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("restore-hang", "hydra.runtime.path=" + wrapper,
                "hydra.checkpoint.timeout=5s").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "busy", "--monitor", monitor, "--rootfs", rootfs.toString(), "--", "sh", "-c", COUNTER);
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Memhog.lastRound(daemon, "busy") >= 3,
                    "counting");
            String id = daemon.inspect("busy").get("id").asText();
            daemon.ok("checkpoint", "busy");
            assertEquals("checkpointed", daemon.status("busy"));

            Files.createFile(hang);
            long start = System.nanoTime();
            HydraDaemonProcess.Result failed = daemon.hydra("restore", "busy");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(failed.code() != 0, "the hung restore must fail: " + failed.out());
            assertTrue(failed.err().contains("did not restore busy within 5 s (hydra.checkpoint.timeout)"),
                    failed.err());
            assertTrue(tookMs >= 5_000, "it waited for its deadline: " + tookMs + " ms");
            assertTrue(tookMs < 5_000 + 20_000, "failed " + tookMs + " ms after it began, deadline 5 s");

            assertTrue(Files.exists(hungPid), "the wrapper hung on restore");
            long hung = Long.parseLong(Files.readString(hungPid).trim());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10),
                    () -> CheckpointDeadlineTest.ProcessRunnerProbe.dead(hung), "the hung runtime to be killed");
            assertFalse(HydraDaemonProcess.sh("pgrep", "-f", "conmon.*-c " + id).contains("\n"),
                    "no conmon of the container is left");
            assertTrue(daemon.runc("state", id).contains("does not exist"), "no runtime state is left");
            assertEquals("checkpointed", daemon.status("busy"), "the container is not left creating");

            Files.delete(hang);
            daemon.ok("restore", "busy");
            assertEquals("running", daemon.status("busy"));
            assertEquals(monitor, daemon.inspect("busy").get("monitor").asText());
            long before = Memhog.lastRound(daemon, "busy");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Memhog.lastRound(daemon, "busy") > before + 3,
                    "the restored container to count on from its checkpoint");
            System.out.printf("%s: hung restore failed after %d ms (deadline 5 s)%n", monitor, tookMs);
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", work.toString());
        }
    }
}
