package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The daemon halts (like SIGKILL, no shutdown hooks) at each intent boundary of a change that spans a runtime call,
 * through the test-only fault injection {@code hydra-test.crash-at}; after a restart the record must match what
 * runc itself reports, and the container must be running or restorable and controllable.
 */
class CrashBoundaryTest {

    @ParameterizedTest
    @ValueSource(strings = {"start.intent-written", "start.runtime-started"})
    void anInterruptedStartEndsRunning(String boundary) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("crash-" + boundary,
                "hydra-test.crash-at=" + boundary).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("create", "--name", "c", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            crashDuring(daemon, boundary, "start", "c");
            assertEquals("running", matchesRuntime(daemon, "c"), "a start under way is finished");
            assertControllable(daemon, "c");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"relaunch.intent-written", "relaunch.monitor-launched", "relaunch.runtime-started"})
    void anInterruptedRestartEndsRunningUnderAMonitor(String boundary) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("crash-" + boundary,
                "hydra-test.crash-at=" + boundary).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "c", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            int before = daemon.inspect("c").get("pid").asInt();
            crashDuring(daemon, boundary, "restart", "-t", "0", "c");
            assertEquals("running", matchesRuntime(daemon, "c"), "a restart under way is finished");
            assertNotEquals(before, daemon.inspect("c").get("pid").asInt(), "it runs as a new process");
            assertControllable(daemon, "c");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"relaunch.intent-written", "relaunch.monitor-launched"})
    void anInterruptedRelaunchOfAnOrphanEndsRunningUnderANewMonitor(String boundary) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("orphan-" + boundary,
                "hydra-test.crash-at=" + boundary).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "o", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            JsonNode before = daemon.inspect("o");
            // the monitor dies: the orphan policy (restart) relaunches the container, and the daemon halts midway
            HydraDaemonProcess.sh("kill", "-KILL", before.get("monitorPid").asText());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Files.exists(daemon.root.resolve("crashed-at-"
                    + boundary)), "the crash point " + boundary + " to fire");
            daemon.kill9();
            daemon.start();
            assertEquals("running", matchesRuntime(daemon, "o"), "the relaunch under way is finished");
            JsonNode after = daemon.inspect("o");
            assertNotEquals(before.get("monitorPid").asInt(), after.get("monitorPid").asInt(), "a new monitor");
            assertTrue(HydraDaemonProcess.sh("kill", "-0", after.get("monitorPid").asText()).isEmpty(),
                    "the new monitor lives");
            assertControllable(daemon, "o");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"restore.intent-written", "restore.monitor-launched"})
    void anInterruptedRestoreEndsRunningOrRestorable(String boundary) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("crash-" + boundary,
                "hydra-test.crash-at=" + boundary).start()) {
            Path rootfs = memhogRootfs(daemon);
            daemon.ok("run", "-d", "--name", "c", "--rootfs", rootfs.toString(), "--", "memhog", "16", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "c") >= 3, "counting");
            daemon.ok("checkpoint", "c");
            long lastBefore = Memhog.lastRound(daemon, "c");
            crashDuring(daemon, boundary, "restore", "c");
            String status = matchesRuntime(daemon, "c");
            if (boundary.equals("restore.monitor-launched")) {
                assertEquals("running", status, "the restored container runs: its record says so");
            } else {
                assertEquals("checkpointed", status);
                daemon.ok("restore", "c");
            }
            CheckpointTest.assertContinues(daemon, "c", lastBefore);
            assertControllable(daemon, "c");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"checkpoint.intent-written", "checkpoint.dumped", "checkpoint.marked",
            "checkpoint.committed"})
    void anInterruptedStoppingCheckpointNeverLosesTheContainer(String boundary) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("crash-" + boundary,
                "hydra-test.crash-at=" + boundary).start()) {
            Path rootfs = memhogRootfs(daemon);
            daemon.ok("run", "-d", "--name", "c", "--rootfs", rootfs.toString(), "--", "memhog", "16", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "c") >= 3, "counting");
            crashDuring(daemon, boundary, "checkpoint", "c");
            long lastBefore = Memhog.lastRound(daemon, "c");
            String status = matchesRuntime(daemon, "c");
            JsonNode versions = daemon.ok("checkpoints", "c", "--format", "json").json();
            switch (boundary) {
                case "checkpoint.intent-written" -> {
                    assertEquals("running", status, "nothing was dumped: it runs on");
                    assertEquals(0, versions.size());
                }
                case "checkpoint.dumped" -> assertEquals("running", status,
                        "the dump stopped it, nothing was recorded: restored from the staged image");
                default -> {
                    assertEquals("checkpointed", status, "the staged image was committed at recovery");
                    assertEquals(1, versions.size(), "one version, committed once: " + versions);
                    assertTrue(versions.get(0).get("complete").asBoolean());
                    daemon.ok("restore", "c");
                }
            }
            try (Stream<Path> staged = Files.list(daemon.root.resolve("checkpoints"))) {
                assertEquals(0, staged.filter(p -> !p.getFileName().toString().startsWith("restore-")).count(),
                        "no staged image is left once its checkpoint is settled");
            }
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "c") > lastBefore + 1,
                    "the container to count on");
            assertControllable(daemon, "c");
        }
    }

    /** Runs the verb, which the armed daemon does not survive, then starts the daemon again. */
    private static void crashDuring(HydraDaemonProcess daemon, String boundary, String... verb) throws Exception {
        HydraDaemonProcess.Result r = daemon.hydra(verb);
        assertNotEquals(0, r.code(), "the daemon halted at " + boundary + " before answering: " + r.out());
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Files.exists(daemon.root.resolve("crashed-at-"
                + boundary)), "the crash point " + boundary + " to fire");
        daemon.kill9();
        daemon.start();
    }

    /** The container's status, after checking it against runc's own state. */
    private static String matchesRuntime(HydraDaemonProcess daemon, String name) throws Exception {
        JsonNode c = daemon.inspect(name);
        String status = c.get("status").asText();
        String state = daemon.runc("state", c.get("id").asText());
        boolean runs = state.contains("\"status\": \"running\"");
        if (runs) {
            assertEquals("running", status, "runc runs it, so its record says running: " + state);
            JsonNode runc = HydraDaemonProcess.JSON.readTree(state);
            assertEquals(runc.get("pid").asInt(), c.get("pid").asInt(), "the recorded pid is runc's");
        } else {
            assertTrue(Set.of("exited", "checkpointed").contains(status),
                    "runc has no running container, so its record says " + status + ": " + state);
        }
        return status;
    }

    private static void assertControllable(HydraDaemonProcess daemon, String name) {
        daemon.ok("kill", name);
        assertEquals(137, daemon.hydra("wait", name).code());
        assertEquals("exited", daemon.status(name));
        daemon.ok("rm", name);
    }

    private static Path memhogRootfs(HydraDaemonProcess daemon) throws Exception {
        Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
        Memhog.installInto(rootfs);
        return rootfs;
    }
}
