package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/**
 * The daemon dies while a dump hangs with the container frozen (a runtime wrapper that pauses the container and
 * never returns stands in for a hung CRIU). The next start waits at most the checkpoint deadline, kills the hung
 * dump, resumes the container and records it running as the runtime says.
 */
class HungDumpRecoveryTest {
    @Test
    void aDumpHungAcrossACrashIsKilledAndTheContainerResumed() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "hydra-it-hung-dump-");
        Path paused = work.resolve("paused");
        Path hungPid = work.resolve("hung.pid");
        Path wrapper = work.resolve("runc-hangs-on-checkpoint");
        RuntimeWrapper.freezingAndHangingOnCheckpoint(wrapper, paused, hungPid);
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("hung-dump", "hydra.runtime.path=" + wrapper,
                "hydra.checkpoint.timeout=5s").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "busy", "--rootfs", rootfs.toString(), "--", "sleep", "100000");
            String id = daemon.inspect("busy").get("id").asText();
            CompletableFuture.supplyAsync(() -> daemon.hydra("checkpoint", "busy"));
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> Files.exists(paused) && Files.exists(hungPid),
                    "the container frozen by the hanging dump");
            daemon.kill9();
            long hung = Long.parseLong(Files.readString(hungPid).trim());
            assertTrue(ProcessHandle.of(hung).isPresent(), "the hung dump outlived the daemon");
            daemon.start();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> ProcessHandle.of(hung).isEmpty(),
                    "the hung dump killed by recovery");
            assertEquals("running", daemon.status("busy"));
            String state = daemon.runc("state", id);
            assertTrue(state.contains("\"status\": \"running\""), "the runtime says running too: " + state);
            assertEquals(0, daemon.hydra("exec", "busy", "--", "true").code(), "it answers");
        } finally {
            if (Files.exists(hungPid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(hungPid).trim()))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
            HydraDaemonProcess.sh("rm", "-rf", work.toString());
        }
    }
}
