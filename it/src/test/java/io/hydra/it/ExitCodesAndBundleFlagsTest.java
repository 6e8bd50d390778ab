package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What users met when trying it: exec's codes for a command that is missing or cannot run, wait on a container
 * that was checkpointed rather than exited, run flags given with --bundle, stats of the right process.
 */
class ExitCodesAndBundleFlagsTest {
    static HydraDaemonProcess daemon;
    static Path rootfs;

    @BeforeAll
    static void up() throws Exception {
        daemon = new HydraDaemonProcess("exits").start();
        rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
    }

    @AfterAll
    static void down() throws Exception {
        daemon.close();
    }

    @Test
    void execOfAMissingCommandExits127AndOfANonExecutableOne126() throws Exception {
        Files.writeString(rootfs.resolve("not-executable"), "#!/bin/sh\necho should not run\n");
        Files.setPosixFilePermissions(rootfs.resolve("not-executable"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(rootfs.resolve("bin/plain-file"), "data\n");
        daemon.ok("run", "-d", "--name", "ex", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
        try {
            HydraDaemonProcess.Result missing = daemon.hydra("exec", "ex", "--", "no-such-command", "arg");
            assertEquals(127, missing.code(), missing.err());
            assertTrue(missing.err().contains("\"no-such-command\": executable file not found in $PATH"),
                    missing.err());

            HydraDaemonProcess.Result missingPath = daemon.hydra("exec", "ex", "--", "/opt/nothing/here");
            assertEquals(127, missingPath.code(), missingPath.err());
            assertTrue(missingPath.err().contains("\"/opt/nothing/here\": no such file"), missingPath.err());

            HydraDaemonProcess.Result notExecutable = daemon.hydra("exec", "ex", "--", "/not-executable");
            assertEquals(126, notExecutable.code(), notExecutable.err());
            assertTrue(notExecutable.err().contains("\"/not-executable\": permission denied"), notExecutable.err());
            assertTrue(!notExecutable.out().contains("should not run"));

            HydraDaemonProcess.Result onPath = daemon.hydra("exec", "ex", "--", "plain-file");
            assertEquals(126, onPath.code(), "found on PATH but not executable: " + onPath.err());

            HydraDaemonProcess.Result directory = daemon.hydra("exec", "ex", "--", "/tmp");
            assertEquals(126, directory.code(), directory.err());

            // the command's own codes pass through untouched, 127 included
            assertEquals(3, daemon.hydra("exec", "ex", "--", "sh", "-c", "exit 3").code());
            HydraDaemonProcess.Result own127 = daemon.hydra("exec", "ex", "--", "sh", "-c", "exit 127");
            assertEquals(127, own127.code());
            assertEquals("", own127.err(), "no message of ours for the command's own status");
            // a PATH given to exec is the one searched
            HydraDaemonProcess.Result otherPath = daemon.hydra("exec", "-e", "PATH=/nowhere", "ex", "--", "ls");
            assertEquals(127, otherPath.code(), otherPath.err());
            assertTrue(otherPath.err().contains("PATH=/nowhere"), otherPath.err());
        } finally {
            daemon.ok("rm", "-f", "ex");
        }
    }

    @Test
    void runAndCreateOfAMissingCommandExit127AndOfANonExecutableOne126() throws Exception {
        Files.writeString(rootfs.resolve("not-executable-run"), "#!/bin/sh\necho should not run\n");
        Files.setPosixFilePermissions(rootfs.resolve("not-executable-run"),
                PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(rootfs.resolve("a-directory"));

        HydraDaemonProcess.Result missing = daemon.hydra("run", "--name", "r-missing", "--rootfs",
                rootfs.toString(), "--", "no-such-command", "arg");
        assertEquals(127, missing.code(), missing.err());
        assertTrue(missing.err().contains("command 'no-such-command' not found in rootfs"), missing.err());
        assertTrue(missing.err().contains("searched PATH="), missing.err());

        HydraDaemonProcess.Result missingDetached = daemon.hydra("run", "-d", "--name", "r-missing", "--rootfs",
                rootfs.toString(), "--", "/opt/nothing/here");
        assertEquals(127, missingDetached.code(), missingDetached.err());
        assertTrue(missingDetached.err().contains("command '/opt/nothing/here' not found"), missingDetached.err());

        HydraDaemonProcess.Result createMissing = daemon.hydra("create", "--name", "r-missing", "--rootfs",
                rootfs.toString(), "--", "no-such-command");
        assertEquals(127, createMissing.code(), createMissing.err());

        HydraDaemonProcess.Result notExecutable = daemon.hydra("run", "--name", "r-noexec", "--rootfs",
                rootfs.toString(), "--", "/not-executable-run");
        assertEquals(126, notExecutable.code(), notExecutable.err());
        assertTrue(notExecutable.err().contains("command '/not-executable-run' in rootfs"), notExecutable.err());
        assertTrue(notExecutable.err().contains("cannot be executed"), notExecutable.err());
        assertTrue(!notExecutable.out().contains("should not run"));

        HydraDaemonProcess.Result directory = daemon.hydra("create", "--name", "r-noexec", "--rootfs",
                rootfs.toString(), "--", "/a-directory");
        assertEquals(126, directory.code(), directory.err());

        // nothing was created by the refusals, and other refusals of run exit 125 (docker's "the daemon refused")
        HydraDaemonProcess.Result ps = daemon.ok("ps", "-a");
        assertTrue(!ps.out().contains("r-missing") && !ps.out().contains("r-noexec"), ps.out());
        assertEquals(125, daemon.hydra("run", "-d", "--name", "r-norootfs", "--rootfs", "/nonexistent-rootfs", "--",
                "sh").code());
        // a command's own 127 passes through run untouched
        HydraDaemonProcess.Result own127 = daemon.hydra("run", "--name", "r-own127", "--rootfs", rootfs.toString(),
                "--", "sh", "-c", "exit 127");
        try {
            assertEquals(127, own127.code(), own127.err());
            assertEquals("", own127.err(), "no message of ours for the command's own status");
        } finally {
            daemon.ok("rm", "-f", "r-own127");
        }
    }

    @Test
    void waitOnACheckpointedContainerSaysSoAndFails() throws Exception {
        daemon.ok("run", "-d", "--name", "w", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
        try {
            CompletableFuture<HydraDaemonProcess.Result> waiting =
                    CompletableFuture.supplyAsync(() -> daemon.hydra("wait", "w"));
            daemon.ok("checkpoint", "w");
            assertEquals("checkpointed", daemon.status("w"));
            HydraDaemonProcess.Result waited = waiting.get(60, TimeUnit.SECONDS);
            assertEquals(1, waited.code(), "not an exit code: " + waited.out() + waited.err());
            assertTrue(waited.err().contains("container w was checkpointed, not exited"), waited.err());
            assertEquals("", waited.out(), "no exit code is printed");

            HydraDaemonProcess.Result after = daemon.hydra("wait", "w");
            assertEquals(1, after.code());
            assertTrue(after.err().contains("was checkpointed, not exited"), after.err());

            daemon.ok("restore", "w");
            assertEquals("running", daemon.status("w"));
        } finally {
            daemon.ok("rm", "-f", "w");
        }
    }

    @Test
    void memoryAndEnvApplyToABundle() throws Exception {
        Path bundle = daemon.dir.resolve("bundle-flags");
        Files.createDirectories(bundle);
        HydraDaemonProcess.sh(HydraDaemonProcess.RUNC, "spec", "--bundle", bundle.toString());
        ObjectNode config = (ObjectNode) HydraDaemonProcess.JSON.readTree(bundle.resolve("config.json").toFile());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        process.set("args", HydraDaemonProcess.JSON.valueToTree(List.of("sleep", "1000")));
        process.set("env", HydraDaemonProcess.JSON.valueToTree(List.of("PATH=/bin", "GREETING=from-config")));
        ((ObjectNode) config.get("root")).put("path", rootfs.toString());
        HydraDaemonProcess.JSON.writeValue(bundle.resolve("config.json").toFile(), config);

        daemon.ok("run", "-d", "--name", "b", "--bundle", bundle.toString(), "-m", "48m", "-e", "GREETING=hi",
                "-e", "EXTRA=1");
        try {
            int pid = daemon.inspect("b").get("pid").asInt();
            String memoryCgroup = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
                    .filter(l -> l.split(":", 3)[1].equals("memory") || l.startsWith("0::")).findFirst()
                    .orElseThrow().split(":", 3)[2];
            Path v1 = Path.of("/sys/fs/cgroup/memory" + memoryCgroup, "memory.limit_in_bytes");
            Path v2 = Path.of("/sys/fs/cgroup" + memoryCgroup, "memory.max");
            String limit = Files.readString(Files.exists(v1) ? v1 : v2).trim();
            assertEquals(Long.toString(48L << 20), limit, "the container's cgroup has the limit asked");
            assertEquals(48L << 20, daemon.ok("stats", "b", "--format", "json").json().get("memoryLimitBytes").asLong());
            assertEquals("hi 1\n", daemon.ok("exec", "b", "--", "sh", "-c", "echo $GREETING $EXTRA").out(),
                    "-e replaces config.json's entry and adds new ones");
            assertTrue(HydraDaemonProcess.JSON.readTree(bundle.resolve("config.json").toFile()).path("linux")
                    .path("resources").path("memory").isMissingNode(), "the user's own config.json is not modified");
        } finally {
            daemon.ok("rm", "-f", "b");
        }
    }
}
