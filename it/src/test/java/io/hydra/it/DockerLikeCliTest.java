package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The docker-like surface on a real daemon with --rootfs containers: each run flag observed from inside the
 * container, names and id prefixes, several names per verb, --rm, restart policies, logs --tail/--since, ps -q.
 * (An ambiguous prefix needs two ids sharing 4 characters, some 300 random containers on average: RunFlagsTest in
 * runtime-core plants such ids in a real state store instead.)
 */
class DockerLikeCliTest {
    static HydraDaemonProcess daemon;
    static Path rootfs;

    @BeforeAll
    static void up() throws Exception {
        daemon = new HydraDaemonProcess("cli").start();
        rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
                + "app:x:1000:1001:app:/home/app:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1001:\nstaff:x:50:app\n");
    }

    @AfterAll
    static void down() throws Exception {
        daemon.close();
    }

    private static String exec(String name, String... cmd) {
        String[] args = new String[cmd.length + 3];
        args[0] = "exec";
        args[1] = name;
        args[2] = "--";
        System.arraycopy(cmd, 0, args, 3, cmd.length);
        return daemon.ok(args).out();
    }

    @Test
    void everyRunFlagIsSeenFromInsideTheContainer() throws Exception {
        Path data = Files.createDirectories(daemon.dir.resolve("data"));
        Files.writeString(data.resolve("hello.txt"), "from the host\n");
        Path scratch = Files.createDirectories(daemon.dir.resolve("scratch"));
        // the container's user (and an exec, which runs as it) owns the read-write volume
        HydraDaemonProcess.sh("chown", "1000:1001", scratch.toString());
        daemon.ok("run", "-d", "--name", "flags", "-u", "app", "-w", "/work", "-v", data + ":/data:ro",
                "-v", scratch + ":/scratch", "--cpus", "0.5", "--label", "team=db", "-e", "GREETING=hi",
                "--rootfs", rootfs.toString(), "--", "sleep", "1000");
        try {
            assertEquals("uid=1000 gid=1001 groups=50\n", exec("flags", "id").replaceAll("\\([^)]*\\)", ""),
                    "the user, its group and its supplementary group from the rootfs's files");
            assertEquals("/work\n", exec("flags", "pwd"));
            assertEquals("from the host\n", exec("flags", "cat", "/data/hello.txt"));
            HydraDaemonProcess.Result write = daemon.hydra("exec", "flags", "--", "sh", "-c", "echo x > /data/new");
            assertNotEquals(0, write.code(), "a read-only volume refuses writes");
            assertTrue(write.err().contains("Read-only file system"), write.err());
            assertFalse(Files.exists(data.resolve("new")));
            daemon.ok("exec", "flags", "--", "sh", "-c", "echo written > /scratch/out");
            assertEquals("written\n", Files.readString(scratch.resolve("out")), "a read-write volume is the host's");
            assertEquals("50000 100000\n", exec("flags", "sh", "-c",
                    "c=/sys/fs/cgroup/cpu; if [ -e $c/cpu.cfs_quota_us ]; then echo $(cat $c/cpu.cfs_quota_us)"
                    + " $(cat $c/cpu.cfs_period_us); else cat /sys/fs/cgroup$(grep '^0::' /proc/self/cgroup"
                    + " | cut -d: -f3)/cpu.max; fi"), "--cpus 0.5 is a cgroup quota (v1 or v2)");
            JsonNode inspect = daemon.inspect("flags");
            String id = inspect.get("id").asText();
            HydraDaemonProcess.Result full = daemon.ok("inspect", "flags");
            assertTrue(full.out().contains("\"team\""), "the label in inspect: " + full.out());
            String config = Files.readString(daemon.root.resolve("containers").resolve(id).resolve("bundle/config.json"));
            assertFalse(config.contains("\"team\""), "a label is not an OCI annotation (runc and CRIU act on those): "
                    + config);
        } finally {
            daemon.ok("rm", "-f", "flags");
        }
    }

    @Test
    void badFlagsAreRefusedBeforeAnythingExists() throws Exception {
        int before = daemon.ok("ps", "-a", "-q").out().split("\n").length;
        HydraDaemonProcess.Result noHost = daemon.hydra("run", "-d", "--name", "bad1", "-v", "/no/such/path:/x",
                "--rootfs", rootfs.toString(), "--", "true");
        assertEquals(125, noHost.code(), noHost.err());
        assertTrue(noHost.err().contains("/no/such/path does not exist"), noHost.err());
        HydraDaemonProcess.Result noUser = daemon.hydra("run", "-d", "--name", "bad2", "-u", "nobody",
                "--rootfs", rootfs.toString(), "--", "true");
        assertEquals(125, noUser.code(), noUser.err());
        assertTrue(noUser.err().contains("'nobody' is not in the container's /etc/passwd"), noUser.err());
        HydraDaemonProcess.Result usage = daemon.hydra("run", "-d", "--restart", "sometimes", "--rootfs",
                rootfs.toString(), "--", "true");
        assertEquals(2, usage.code(), usage.err());
        assertEquals(1, daemon.hydra("inspect", "bad1").code());
        assertEquals(before, daemon.ok("ps", "-a", "-q").out().split("\n").length, "no record was left");
        try (var dirs = Files.list(daemon.root.resolve("containers"))) {
            assertTrue(dirs.noneMatch(d -> {
                try {
                    return Files.readString(d.resolve("bundle/config.json")).contains("bad");
                } catch (java.io.IOException e) {
                    return false;
                }
            }), "no container directory was left");
        }
        assertEquals(0, daemon.hydra("run", "--help").code());
    }

    @Test
    void generatedNamesIdPrefixesAndSeveralNamesPerVerb() throws Exception {
        String id1 = daemon.ok("run", "-d", "--rootfs", rootfs.toString(), "--", "sleep", "1000").out().trim();
        String id2 = daemon.ok("run", "-d", "--name", "second", "--rootfs", rootfs.toString(), "--", "sleep", "1000")
                .out().trim();
        String generated = daemon.inspect(id1).get("name").asText();
        assertTrue(generated.matches("[a-z]+_[a-z]+[0-9]?"), "a docker-like name: " + generated);
        assertEquals(generated, daemon.inspect(id1.substring(0, 6)).get("name").asText(), "a unique prefix");
        assertEquals(1, daemon.hydra("inspect", id1.substring(0, 3)).code(), "3 characters are not enough");
        String ps = daemon.ok("ps", "-q").out();
        assertTrue(ps.contains(id1.substring(0, 12) + "\n") && ps.contains(id2.substring(0, 12) + "\n"), ps);
        HydraDaemonProcess.Result stop = daemon.hydra("stop", "-t", "1", id1.substring(0, 8), "second", "nosuch");
        assertEquals(1, stop.code(), "one of three failed");
        assertEquals(id1.substring(0, 8) + "\nsecond\n", stop.out());
        assertTrue(stop.err().contains("nosuch: no such container: nosuch"), stop.err());
        assertEquals("exited", daemon.status(generated));
        assertEquals("exited", daemon.status("second"));
        assertEquals(generated + "\nsecond\n", daemon.ok("rm", generated, "second").out());
        assertEquals(1, daemon.hydra("inspect", id2).code());
        assertFalse(Files.exists(daemon.root.resolve("containers").resolve(id1)));
    }

    @Test
    void rmRemovesTheContainerOnceItExited() throws Exception {
        HydraDaemonProcess.Result attached = daemon.hydra("run", "--rm", "--name", "gone1", "--rootfs",
                rootfs.toString(), "--", "sh", "-c", "echo bye; exit 3");
        assertEquals(3, attached.code(), attached.err());
        assertEquals("bye\n", attached.out());
        String id = daemon.ok("run", "-d", "--rm", "--name", "gone2", "--rootfs", rootfs.toString(), "--",
                "sh", "-c", "sleep 1").out().trim();
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> daemon.hydra("inspect", "gone2").code() != 0
                && daemon.hydra("inspect", "gone1").code() != 0, "--rm containers removed");
        assertFalse(Files.exists(daemon.root.resolve("containers").resolve(id)), "no container directory");
        assertFalse(daemon.ok("ps", "-a", "-q").out().contains(id.substring(0, 12)));
    }

    @Test
    void onFailureGivesUpAfterItsCountAndStopNeverRestarts() throws Exception {
        daemon.ok("run", "-d", "--name", "flaky", "--restart", "on-failure:3", "--rootfs", rootfs.toString(), "--",
                "sh", "-c", "exit 1");
        daemon.ok("run", "-d", "--name", "steady", "--restart", "always", "--rootfs", rootfs.toString(), "--",
                "sleep", "1000");
        try {
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> {
                JsonNode j = daemon.ok("inspect", "flaky").json();
                return j.get("restartCount").asInt() == 3 && j.get("status").asText().equals("exited");
            }, "three restarts, then exited");
            daemon.ok("stop", "-t", "1", "steady");
            // a fourth restart would be due 800 ms after the third exit; give it well past that
            Instant until = Instant.now().plusSeconds(3);
            while (Instant.now().isBefore(until)) {
                assertEquals(3, daemon.inspect("flaky").get("restartCount").asInt(), "gave up after three");
                assertEquals("exited", daemon.status("steady"), "a user's stop is never restarted");
                Thread.sleep(200);
            }
            assertEquals("on-failure:3", daemon.ok("inspect", "flaky").json().get("restartPolicy").asText());
            assertEquals(0, daemon.inspect("steady").get("restartCount").asInt());
        } finally {
            daemon.ok("rm", "-f", "flaky", "steady");
        }
    }

    @Test
    void logsTailAndSince() throws Exception {
        daemon.ok("run", "-d", "--name", "talker", "--rootfs", rootfs.toString(), "--", "sh", "-c",
                "for i in 1 2 3 4 5; do echo line$i; done; sleep 3; echo late; sleep 1000");
        try {
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> daemon.ok("logs", "talker").out()
                    .contains("line5"), "first lines logged");
            Instant between = Instant.now();
            assertEquals("line4\nline5\n", daemon.ok("logs", "--tail", "2", "talker").out());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> daemon.ok("logs", "talker").out()
                    .contains("late"), "late line logged");
            assertEquals("late\n", daemon.ok("logs", "--since", between.toString(), "talker").out());
            assertEquals("line1\nline2\nline3\nline4\nline5\nlate\n", daemon.ok("logs", "--since", "1h", "talker")
                    .out());
            assertEquals("line5\nlate\n", daemon.ok("logs", "-n", "2", "talker").out());
        } finally {
            daemon.ok("rm", "-f", "talker");
        }
    }

    @Test
    void restartAlwaysBringsBackAContainerThatExitedWhileTheDaemonWasDown() throws Exception {
        daemon.ok("run", "-d", "--name", "phoenix", "--restart", "always", "--rootfs", rootfs.toString(), "--",
                "sh", "-c", "sleep 4");
        daemon.ok("run", "-d", "--name", "stopped", "--restart", "always", "--rootfs", rootfs.toString(), "--",
                "sleep", "1000");
        try {
            daemon.ok("stop", "-t", "1", "stopped");
            JsonNode before = daemon.inspect("phoenix");
            assertEquals(0, before.get("restartCount").asInt());
            long pid = before.get("pid").asLong();
            daemon.kill9();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> ProcessHandle.of(pid).isEmpty(),
                    "the container exited while no daemon ran");
            daemon.start();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> daemon.inspect("phoenix")
                    .get("restartCount").asInt() >= 1, "restarted by its policy at recovery");
            assertEquals("exited", daemon.status("stopped"), "stopped by a user before the crash: stays stopped");
        } finally {
            daemon.ok("rm", "-f", "phoenix", "stopped");
        }
    }
}
