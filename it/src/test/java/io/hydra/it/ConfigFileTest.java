package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code hydra daemon --config FILE}: every hydra.* setting, plugin settings included, from a properties file; flags
 * override it; a key the daemon does not know, or a bad value, stops the start naming it, before anything is written.
 */
class ConfigFileTest {
    static HydraDaemonProcess probe;

    @BeforeAll
    static void setUp() throws Exception {
        // not started: only its directory and launcher are used
        probe = new HydraDaemonProcess("config");
    }

    @AfterAll
    static void tearDown() throws Exception {
        probe.close();
    }

    private static Path file(String name, String... lines) throws Exception {
        Path f = probe.dir.resolve(name + ".properties");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    private static void refused(String expected, String... properties) throws Exception {
        Path root = probe.dir.resolve("root-" + System.nanoTime());
        List<String> props = new ArrayList<>(List.of(properties));
        props.add("hydra.root=" + root);
        HydraDaemonProcess.Result r = probe.runDaemonExpectingFailure(props);
        assertEquals(1, r.code(), "exit status of a refused start: " + r.out());
        assertTrue(r.out().contains("hydra daemon: ") && r.out().contains(expected),
                "should say '" + expected + "': " + r.out());
        assertFalse(Files.exists(root), "nothing written under the root before the settings were checked");
    }

    @Test
    void settingsAndPluginSettingsComeFromTheFileAndFlagsOverrideThem() throws Exception {
        Path noCriu = probe.dir.resolve("no-criu-here");
        Path config = file("good",
                "# a comment",
                "hydra.node-id = from-file",
                "hydra.orphan-policy=keep",
                "hydra.runtime.timeout=30s",
                "hydra.checkpoint.timeout=2m",
                "hydra.plugin.checkpoint.criu.criu-path=" + noCriu,
                "hydra.plugin.monitor.eager.log-level=info");
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("config-good", "hydra.config=" + config,
                "hydra.node-id=from-flag").start()) {
            JsonNode info = daemon.ok("info").json();
            assertEquals("from-flag", info.get("node").asText(), "a flag overrides the file");
            assertEquals("keep", info.get("orphanPolicy").asText(), "a setting only in the file applies");
            // the plugin setting reached the plugin: it looked for criu where the file said
            String unavailable = info.get("checkpoint").path("unavailable").asText();
            assertTrue(unavailable.contains(noCriu.toString()), info.toString());
        }
    }

    @Test
    void unknownKeysAreRefusedNamingThem() throws Exception {
        refused("config file " + file("typo", "hydra.reconcile-intervall=1s") + ": unknown setting"
                        + " hydra.reconcile-intervall",
                "hydra.config=" + probe.dir.resolve("typo.properties"));
        refused("unknown setting foo.bar", "hydra.config=" + file("foreign", "foo.bar=1"));
        refused("hydra.plugin.checkpoint.criu.timeout-seconds: checkpoint plugin 'criu' has no setting"
                + " 'timeout-seconds'; its settings are [criu-path]",
                "hydra.config=" + file("plugin-key", "hydra.plugin.checkpoint.criu.timeout-seconds=5"));
        refused("there is no storage plugin 'gcs'; storage plugins are [fs, s3]",
                "hydra.config=" + file("plugin-name", "hydra.plugin.storage.gcs.bucket=b"));
        refused("unknown plugin type 'monitr'",
                "hydra.config=" + file("plugin-type", "hydra.plugin.monitr.eager.log-level=info"));
    }

    @Test
    void badValuesAreRefusedNamingTheSetting() throws Exception {
        refused("hydra.runtime.timeout: 'soon' is not valid (Invalid duration: soon): a duration is a number with"
                + " a unit", "hydra.config=" + file("not-duration", "hydra.runtime.timeout=soon"));
        refused("hydra.checkpoint.timeout must be a positive duration, not 0 ms",
                "hydra.config=" + file("zero", "hydra.checkpoint.timeout=0s"));
        refused("hydra.checkpoint.timeout: 'ten' is not valid", "hydra.checkpoint.timeout=ten");
        Path missing = probe.dir.resolve("missing.properties");
        refused("config file " + missing + " does not exist", "hydra.config=" + missing);
    }

    /** The file names executables run as root: one that another user owns or may write is refused, naming why. */
    @Test
    void aConfigFileOthersCouldChangeIsRefused() throws Exception {
        Path worldWritable = file("world-writable", "hydra.runtime.path=/tmp/evil-runc");
        Files.setPosixFilePermissions(worldWritable, PosixFilePermissions.fromString("rw-rw-rw-"));
        refused("config file " + worldWritable + " is writable by everyone (rw-rw-rw-)",
                "hydra.config=" + worldWritable);
        Path groupWritable = file("group-writable", "hydra.node-id=n");
        Files.setPosixFilePermissions(groupWritable, PosixFilePermissions.fromString("rw-rw-r--"));
        refused("config file " + groupWritable + " is writable by its group", "hydra.config=" + groupWritable);
        Path foreign = file("foreign-owner", "hydra.node-id=n");
        Files.setOwner(foreign, foreign.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        refused("config file " + foreign + " is owned by uid 65534, not by root or the daemon's user",
                "hydra.config=" + foreign);
    }

    /** The launcher: --config FILE and --flag forms both reach the daemon. */
    @Test
    void theLauncherPassesConfigAndFlags() throws Exception {
        Path config = file("launcher", "hydra.stop-timout=3");
        Path root = probe.dir.resolve("launcher-root");
        String out = launcher("--root", root.toString(), "--socket", probe.dir.resolve("l.sock").toString(),
                "--http-port", "0", "--config", config.toString());
        assertTrue(out.contains("unknown setting hydra.stop-timout"), out);
        out = launcher("--root", root.toString(), "--socket", probe.dir.resolve("l.sock").toString(),
                "--http-port", "0", "--runtime-timeout", "abc");
        assertTrue(out.contains("hydra.runtime.timeout: 'abc' is not valid"), out);
        assertFalse(Files.exists(root));
        String help = launcher("--help");
        assertTrue(help.contains("--config FILE") && help.contains("hydra.checkpoint.timeout"), help);
    }

    private static String launcher(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(HydraDaemonProcess.REPO.resolve("bin/hydra").toString(), "daemon"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher did not exit: " + out);
        }
        if (!List.of(args).contains("--help")) {
            assertEquals(1, p.exitValue(), out);
        }
        return out;
    }
}
