package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/** Every lifecycle verb against real runc and conmon containers, under both monitor strategies. */
class LifecycleTest {
    static HydraDaemonProcess daemon;
    static Path rootfs;

    @BeforeAll
    static void up() throws Exception {
        daemon = new HydraDaemonProcess("lifecycle").start();
        rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
    }

    @AfterAll
    static void down() throws Exception {
        daemon.close();
    }

    @Test
    void socketIsPrivateToRoot() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.root)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "lazy"})
    void runExecLogsPauseResumeStopRemove(String monitor) throws Exception {
        String name = "life-" + monitor;
        daemon.ok("run", "-d", "--name", name, "--monitor", monitor, "--rootfs", rootfs.toString(), "--",
                "sh", "-c", "echo started; echo oops >&2; exec sleep 1000");
        JsonNode c = daemon.inspect(name);
        assertEquals("running", c.get("status").asText());
        assertEquals(monitor, c.get("monitor").asText());
        assertTrue(c.get("pid").asInt() > 0);
        int monitorPid = c.get("monitorPid").asInt();
        String parent = Files.readString(Path.of("/proc/" + monitorPid + "/stat")).split("\\) ")[1].split(" ")[1];
        if (monitor.equals("eager")) {
            assertEquals("1", parent, "an eager conmon is reparented to init");
            assertFalse(c.get("monitorIsChild").asBoolean());
        } else {
            assertNotEquals("1", parent, "a lazy conmon stays the daemon's child");
            assertTrue(c.get("monitorIsChild").asBoolean());
        }

        HydraDaemonProcess.Result exec = daemon.hydra("exec", name, "--", "sh", "-c", "echo from-exec; exit 4");
        assertEquals(4, exec.code());
        assertEquals("from-exec\n", exec.out());

        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(5),
                () -> daemon.ok("logs", name).out().contains("started"), "log output");
        HydraDaemonProcess.Result logs = daemon.ok("logs", name);
        assertEquals("started\n", logs.out());
        assertEquals("oops\n", logs.err());

        daemon.ok("pause", name);
        assertEquals("paused", daemon.status(name));
        assertTrue(daemon.runc("state", c.get("id").asText()).contains("\"paused\""), "runc sees it frozen");
        daemon.ok("resume", name);
        assertEquals("running", daemon.status(name));

        assertTrue(daemon.ok("top", name).out().contains("sleep 1000"));
        assertTrue(daemon.ok("stats", name, "--format", "json").json().get("pids").asLong() >= 1);

        assertEquals(1, daemon.hydra("rm", name).code(), "a running container is not removed without -f");
        // sleep as PID 1 ignores SIGTERM: stop must escalate to SIGKILL after the timeout
        daemon.ok("stop", "-t", "1", name);
        JsonNode stopped = daemon.inspect(name);
        assertEquals("exited", stopped.get("status").asText());
        assertEquals(137, stopped.get("exitCode").asInt());
        assertEquals("SIGKILL", stopped.get("signal").asText());

        daemon.ok("rm", name);
        assertEquals(1, daemon.hydra("inspect", name).code());
        assertFalse(Files.exists(daemon.root.resolve("containers").resolve(c.get("id").asText())));
        assertFalse(daemon.runc("list").contains(c.get("id").asText()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "lazy"})
    void attachedRunAndWaitPropagateExitCodes(String monitor) throws Exception {
        HydraDaemonProcess.Result run = daemon.hydra("run", "--name", "code-" + monitor, "--monitor", monitor,
                "--rootfs", rootfs.toString(), "--", "sh", "-c", "echo out; echo err >&2; exit 7");
        assertEquals(7, run.code(), run.err());
        assertEquals("out\n", run.out());
        assertEquals("err\n", run.err());

        daemon.ok("create", "--name", "wait-" + monitor, "--monitor", monitor, "--rootfs", rootfs.toString(), "--",
                "sh", "-c", "sleep 0.5; exit 42");
        assertEquals("created", daemon.status("wait-" + monitor));
        CompletableFuture<HydraDaemonProcess.Result> waiting =
                CompletableFuture.supplyAsync(() -> daemon.hydra("wait", "wait-" + monitor));
        daemon.ok("start", "wait-" + monitor);
        assertEquals(42, waiting.get().code());
        assertEquals("42\n", waiting.get().out());

        daemon.ok("run", "-d", "--name", "killed-" + monitor, "--monitor", monitor, "--rootfs", rootfs.toString(),
                "--", "sleep", "1000");
        daemon.ok("kill", "-s", "KILL", "killed-" + monitor);
        assertEquals(137, daemon.hydra("wait", "killed-" + monitor).code());

        daemon.ok("restart", "-t", "1", "killed-" + monitor);
        JsonNode restarted = daemon.inspect("killed-" + monitor);
        assertEquals("running", restarted.get("status").asText());
        assertEquals(1, restarted.get("restartCount").asInt());
        daemon.ok("rm", "-f", "killed-" + monitor);
        daemon.ok("rm", "code-" + monitor);
        daemon.ok("rm", "wait-" + monitor);
    }

    @Test
    void psJsonHasTheDocumentedFields() throws Exception {
        daemon.ok("run", "-d", "--name", "fields", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
        JsonNode list = daemon.ok("ps", "--format", "json").json();
        assertTrue(list.isArray());
        JsonNode c = list.get(0);
        for (String field : new String[] {"id", "name", "status", "pid", "exitCode", "monitor", "monitorPid", "node",
                "createdAt", "startedAt", "finishedAt"}) {
            assertTrue(c.has(field), "ps --format json lacks " + field);
        }
        daemon.ok("rm", "-f", "fields");
        assertEquals(0, daemon.ok("ps", "-a", "--format", "json").json().size());
    }

    @Test
    void theLauncherScriptRunsTheCli() throws Exception {
        Process p = new ProcessBuilder(HydraDaemonProcess.REPO.resolve("bin/hydra").toString(),
                "--host", "unix://" + daemon.socket, "version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("daemon: 0.1.0"), out);
        Process usage = new ProcessBuilder(HydraDaemonProcess.REPO.resolve("bin/hydra").toString(), "ps", "--bogus")
                .redirectErrorStream(true).start();
        usage.getInputStream().readAllBytes();
        assertEquals(2, usage.waitFor(), "a usage error exits 2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "lazy"})
    void attachCarriesStdinAndOutputThroughConmon(String monitor) throws Exception {
        // run -i attaches before start: stdin reaches the first read, output and exit code come back
        HydraDaemonProcess.Result run = daemon.hydraWithStdin("hello\n", "run", "-i", "--name", "cat-" + monitor,
                "--monitor", monitor, "--rootfs", rootfs.toString(), "--",
                "sh", "-c", "read line; echo got:$line; echo to-err >&2; exit 3");
        assertEquals(3, run.code(), run.err());
        assertEquals("got:hello\n", run.out());
        assertEquals("to-err\n", run.err());

        // attach to one already running
        daemon.ok("run", "-d", "-i", "--name", "echo-" + monitor, "--monitor", monitor, "--rootfs", rootfs.toString(),
                "--", "sh", "-c", "while read line; do echo seen:$line; done; exit 5");
        HydraDaemonProcess.Result attached = daemon.hydraWithStdin("one\ntwo\n", "attach", "echo-" + monitor);
        assertEquals(5, attached.code(), attached.err());
        assertEquals("seen:one\nseen:two\n", attached.out());

        daemon.ok("rm", "cat-" + monitor);
        daemon.ok("rm", "echo-" + monitor);
        daemon.ok("run", "-d", "--name", "gone-" + monitor, "--rootfs", rootfs.toString(), "--", "true");
        daemon.ok("wait", "gone-" + monitor);
        HydraDaemonProcess.Result refused = daemon.hydra("attach", "gone-" + monitor);
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("is exited"), refused.err());
        daemon.ok("rm", "gone-" + monitor);
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "lazy"})
    void oomKillsAreReportedAsSuch(String monitor) throws Exception {
        String name = "oom-" + monitor;
        daemon.ok("run", "-d", "--name", name, "--monitor", monitor, "--memory", "8m", "--rootfs", rootfs.toString(),
                "--", "sh", "-c", "x=a; while true; do x=$x$x; done");
        assertEquals(137, daemon.hydra("wait", name).code());
        JsonNode c = daemon.inspect(name);
        assertTrue(c.get("oomKilled").asBoolean(), c.toString());
        assertEquals("oom-killed", c.get("exitReason").asText());
        String id = c.get("id").asText();
        String oomEvents = daemon.ok("events", "--container", name, "--type", "io.hydra.container.oom").out();
        assertEquals(1, oomEvents.lines().count(), oomEvents);
        JsonNode exited = HydraDaemonProcess.JSON.readTree(daemon.ok("events", "--container", id, "--format", "json",
                "--type", "container.exited").out());
        assertTrue(exited.get("data").get("oomKilled").asBoolean(), exited.toString());
        assertEquals(137, exited.get("data").get("exitCode").asInt());
        daemon.ok("rm", name);
    }
}
