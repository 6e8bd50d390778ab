package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every bad input gets an error naming the problem, and leaves nothing in the state directory or the runtime. */
class BadInputTest {
    static HydraDaemonProcess daemon;
    static Path rootfs;

    @BeforeAll
    static void up() throws Exception {
        daemon = new HydraDaemonProcess("badinput").start();
        rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
    }

    @AfterAll
    static void down() throws Exception {
        daemon.close();
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        assertEquals(0, daemon.ok("ps", "-a", "--format", "json").json().size(), "no container record");
        try (Stream<Path> dirs = Files.list(daemon.root.resolve("containers"))) {
            assertEquals(List.of(), dirs.toList(), "no container directory");
        }
        try (Stream<Path> state = Files.list(daemon.root.resolve("runc"))) {
            assertEquals(List.of(), state.toList(), "nothing in the runtime");
        }
    }

    private void fails(String expected, String... args) {
        HydraDaemonProcess.Result r = daemon.hydra(args);
        assertTrue(r.code() != 0, "should fail: " + String.join(" ", args));
        assertTrue(r.err().contains(expected), "error should say '" + expected + "' but was: " + r.err());
    }

    @Test
    void badNames() {
        fails("is invalid", "run", "-d", "--name", "../escape", "--rootfs", rootfs.toString(), "--", "true");
        fails("is invalid", "run", "-d", "--name", "a/b", "--rootfs", rootfs.toString(), "--", "true");
        fails("is invalid", "run", "-d", "--name", "a..b", "--rootfs", rootfs.toString(), "--", "true");
        // an empty --name is no name, as with docker: one is generated
        String id = daemon.ok("run", "-d", "--name", "", "--rootfs", rootfs.toString(), "--", "true").out().trim();
        assertTrue(daemon.inspect(id).get("name").asText().matches("[a-z]+_[a-z]+[0-9]?"));
        daemon.ok("rm", "-f", id);
        fails("at most 128", "run", "-d", "--name", "x".repeat(129), "--rootfs", rootfs.toString(), "--", "true");
    }

    @Test
    void duplicateName() {
        daemon.ok("run", "-d", "--name", "twice", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
        fails("already in use", "run", "-d", "--name", "twice", "--rootfs", rootfs.toString(), "--", "sleep", "1");
        daemon.ok("rm", "-f", "twice");
    }

    @Test
    void badBundles() throws Exception {
        Path empty = Files.createDirectories(daemon.dir.resolve("bundle-empty"));
        fails("has no config.json", "run", "-d", "--name", "b1", "--bundle", empty.toString());

        Path notJson = Files.createDirectories(daemon.dir.resolve("bundle-notjson"));
        Files.writeString(notJson.resolve("config.json"), "{ this is not json");
        fails("is not valid JSON", "run", "-d", "--name", "b2", "--bundle", notJson.toString());

        Path noRootfs = Files.createDirectories(daemon.dir.resolve("bundle-norootfs"));
        Files.writeString(noRootfs.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                + "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}}");
        fails("rootfs " + noRootfs.resolve("rootfs") + " does not exist", "run", "-d", "--name", "b3", "--bundle",
                noRootfs.toString());

        fails("bundle /nonexistent does not exist", "run", "-d", "--name", "b4", "--bundle", "/nonexistent");
    }

    @Test
    void missingRootfsAndMissingCommand() {
        fails("rootfs /nonexistent-rootfs does not exist", "run", "-d", "--name", "r1", "--rootfs",
                "/nonexistent-rootfs", "--", "sh");
        fails("command 'no-such-binary' not found in rootfs", "run", "-d", "--name", "r2", "--rootfs",
                rootfs.toString(), "--", "no-such-binary");
        fails("needs a command", "run", "-d", "--name", "r3", "--rootfs", rootfs.toString());
    }

    @Test
    void runtimeErrorsReachTheUser() throws Exception {
        // passes our checks, fails in runc: the rlimit is above this host's hard limit
        Path bundle = Files.createDirectories(daemon.dir.resolve("bundle-cwd"));
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\""
                + rootfs + "\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/no/such/dir\",\"env\":[\"PATH=/bin\"]},"
                + "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}");
        fails("runc create failed", "run", "-d", "--name", "rt", "--bundle", bundle.toString());
    }

    @Test
    void runFlagsABundleCannotTakeAreRefusedNotDropped() throws Exception {
        Path bundle = Files.createDirectories(daemon.dir.resolve("bundle-flags"));
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\""
                + rootfs + "\"},\"process\":{\"args\":[\"sleep\",\"1000\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]}}");
        fails("--net host shapes a generated config (--rootfs); with --bundle", "run", "-d", "--name", "nb",
                "--bundle", bundle.toString(), "--net", "host");
        fails("memory limit 1048576 bytes is too small: at least 4 MiB", "run", "-d", "--name", "mb", "--bundle",
                bundle.toString(), "-m", "1m");
        // a bare -e KEY takes the CLI's own value (docker's rule); an entry without a key is refused
        fails("'=NO_KEY' is not KEY=VALUE", "run", "-d", "--name", "eb", "--bundle", bundle.toString(), "-e",
                "=NO_KEY");
    }

    @Test
    void unknownMonitorAndSignal() {
        fails("unknown monitor 'nope': known monitors are eager, lazy", "run", "-d", "--name", "m1", "--monitor",
                "nope", "--rootfs", rootfs.toString(), "--", "true");
        daemon.ok("run", "-d", "--name", "sig", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
        fails("unknown signal 'BOGUS'", "kill", "-s", "BOGUS", "sig");
        daemon.ok("rm", "-f", "sig");
        fails("no such container: ghost", "stop", "ghost");
    }

    @Test
    void daemonStartUpErrors() throws Exception {
        HydraDaemonProcess.Result second = daemon.runDaemonExpectingFailure(List.of());
        assertEquals(1, second.code());
        assertTrue(second.out().contains("another hydra daemon"), second.out());

        try (HydraDaemonProcess other = new HydraDaemonProcess("badmonitor")) {
            HydraDaemonProcess.Result unknown = other.runDaemonExpectingFailure(List.of("hydra.monitor=nope"));
            assertEquals(1, unknown.code());
            assertTrue(unknown.out().contains("unknown monitor 'nope': known monitors are eager, lazy"), unknown.out());
        }
    }
}
