package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/** A monitor SIGKILLed while its container lives is found within 5 s and handled by the daemon's policy. */
class OrphanTest {

    @ParameterizedTest
    @ValueSource(strings = {"eager", "lazy"})
    void restartPolicyStartsTheContainerAgainUnderANewMonitor(String monitor) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("orphan-restart").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "o", "--monitor", monitor, "--rootfs", rootfs.toString(), "--",
                    "sleep", "1000");
            JsonNode before = daemon.inspect("o");
            HydraDaemonProcess.sh("kill", "-9", before.get("monitorPid").asText());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(5),
                    () -> daemon.inspect("o").get("restartCount").asInt() == 1, "orphan restarted");
            JsonNode after = daemon.inspect("o");
            assertEquals("running", after.get("status").asText());
            assertNotEquals(before.get("pid").asInt(), after.get("pid").asInt());
            assertNotEquals(before.get("monitorPid").asInt(), after.get("monitorPid").asInt());
            assertTrue(daemon.ok("events", "--type", "io.hydra.container.orphaned").out().contains("\"policy\":\"restart\""));
            assertEquals(0, daemon.hydra("exec", "o", "--", "true").code());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "lazy"})
    void keepPolicyLeavesItRunningAndStoppable(String monitor) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("orphan-keep", "hydra.orphan-policy=keep").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "k", "--monitor", monitor, "--rootfs", rootfs.toString(), "--",
                    "sleep", "1000");
            JsonNode before = daemon.inspect("k");
            HydraDaemonProcess.sh("kill", "-9", before.get("monitorPid").asText());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(5), () -> daemon.status("k").equals("orphaned"),
                    "orphan detected");
            assertEquals(before.get("pid").asInt(), daemon.inspect("k").get("pid").asInt(), "still the same process");
            daemon.ok("stop", "-t", "1", "k");
            assertEquals("exited", daemon.status("k"));
            daemon.ok("rm", "k");
        }
    }

    /** A wait begun before the monitor died returns when the relaunched container exits (it hung forever). */
    @Test
    void waitSpansAnOrphanRelaunch() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("orphan-wait").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "o", "--rootfs", rootfs.toString(), "--", "sleep", "100000");
            String monitor = daemon.inspect("o").get("monitorPid").asText();
            java.util.concurrent.CompletableFuture<HydraDaemonProcess.Result> waiting =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> daemon.hydra("wait", "o"));
            // the wait request is in before later requests are answered (one client, requests in order here);
            // if it still came late, the test passes without proving anything, never fails wrongly
            for (int i = 0; i < 5; i++) {
                daemon.ok("inspect", "o");
            }
            assertTrue(!waiting.isDone(), "wait returned while the container runs");
            HydraDaemonProcess.sh("kill", "-KILL", monitor);
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> {
                JsonNode c = daemon.inspect("o");
                return c.get("status").asText().equals("running") && !c.get("monitorPid").asText().equals(monitor);
            }, "relaunch under a new monitor");
            daemon.ok("kill", "o");
            HydraDaemonProcess.Result r = waiting.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(137, r.code(), "wait reports the relaunched run's exit: " + r.err());
        }
    }
}
