package io.hydra.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.runtime.container.BundlePreparer;
import io.hydra.runtime.container.CreateSpec;

/** Every field of a stored config that could give a restored container more than create does is refused by name. */
class StoredConfigValidatorTest {
    @TempDir
    Path temp;
    private Path rootfs;
    private Path daemonRoot;

    @BeforeEach
    void rootfs() throws IOException {
        rootfs = RootfsFixture.withShell(temp.resolve("rootfs"));
        daemonRoot = temp.resolve("hydra-root");
    }

    /** What the daemon writes at create for --rootfs (DefaultSpec), host networking optional. */
    private ObjectNode daemonConfig(boolean hostNetwork) {
        CreateSpec spec = new CreateSpec("web", null, rootfs.toString(), List.of("sh", "-c", "sleep 1"),
                List.of("A=b"), null, false, hostNetwork, 64L << 20);
        return new BundlePreparer().fromRootfs(spec, "/hydra/abc").config();
    }

    private void accepted(ObjectNode config) throws Exception {
        StoredConfigValidator.validate(config, rootfs.toString(), daemonRoot);
    }

    private void refused(Consumer<ObjectNode> change, String... fragments) {
        ObjectNode config = daemonConfig(false);
        change.accept(config);
        StoredConfigValidator.Refused e = assertThrows(StoredConfigValidator.Refused.class,
                () -> StoredConfigValidator.validate(config, rootfs.toString(), daemonRoot));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
        }
    }

    private static ObjectNode linux(ObjectNode c) {
        return (ObjectNode) c.get("linux");
    }

    private static ObjectNode process(ObjectNode c) {
        return (ObjectNode) c.get("process");
    }

    @Test
    void whatTheDaemonWritesAtCreateIsAccepted() throws Exception {
        accepted(daemonConfig(false));
        accepted(daemonConfig(true));
        ObjectNode emptyHooks = daemonConfig(false);
        emptyHooks.putObject("hooks").putArray("prestart");
        accepted(emptyHooks);
    }

    @Test
    void hooksAreRefused() {
        refused(c -> c.putObject("hooks").putArray("prestart").addObject().put("path", "/bin/touch"),
                "hooks.prestart", "not allowed");
        refused(c -> c.putObject("hooks").putArray("createRuntime").addObject().put("path", "/bin/sh"),
                "hooks.createRuntime");
        refused(c -> c.put("hooks", "x"), "hooks", "not an object");
    }

    @Test
    void extraOrChangedMountsAreRefused() {
        refused(c -> ((ArrayNode) c.get("mounts")).addObject().put("destination", "/host").put("type", "bind")
                .put("source", "/"), "mounts[7] (/host)", "extra mount");
        refused(c -> ((ObjectNode) c.get("mounts").get(0)).put("type", "bind").put("source", "/proc"),
                "mounts[0] (/proc)", "bind mount of '/proc'");
        refused(c -> ((ObjectNode) c.get("mounts").get(5)).putArray("options").add("nosuid").add("rw"),
                "mounts[5] (/sys).options", "lacks");
        refused(c -> ((ArrayNode) c.get("mounts")).addObject().put("destination", "/etc/resolv.conf")
                .put("type", "bind").put("source", "/etc/shadow"), "/etc/resolv.conf", "'/etc/shadow'");
        refused(c -> ((ArrayNode) c.get("mounts")).add(c.get("mounts").get(0).deepCopy()), "twice");
    }

    @Test
    void contradictoryMountOptionsAreRefused() {
        // /dev/shm requires nosuid, noexec, nodev: each with its opposite appended (the later one wins in mount)
        refused(c -> ((ArrayNode) c.get("mounts").get(3).get("options")).add("suid"), "mounts[3] (/dev/shm).options",
                "'nosuid' and 'suid'");
        refused(c -> ((ArrayNode) c.get("mounts").get(3).get("options")).add("dev"), "'nodev' and 'dev'");
        refused(c -> ((ArrayNode) c.get("mounts").get(3).get("options")).add("exec"), "'noexec' and 'exec'");
        refused(c -> ((ArrayNode) c.get("mounts").get(5).get("options")).add("rw"), "mounts[5] (/sys).options");
    }

    @Test
    void annotationsAreRefusedButTheOnesTheRestoreSetsItselfPass() throws Exception {
        refused(c -> c.putObject("annotations").put("org.criu.config", "/tmp/evil.conf"), "annotations",
                "not allowed");
        refused(c -> c.putObject("annotations").put("anything", "x"), "annotations");
        refused(c -> c.put("annotations", "x"), "annotations");
        Set<String> daemon = Set.of("org.criu.config");
        ObjectNode own = daemonConfig(false);
        own.putObject("annotations").put("org.criu.config", "/on/the/source/node/criu.conf");
        StoredConfigValidator.validate(own, rootfs.toString(), daemonRoot, true, daemon);
        ObjectNode more = daemonConfig(false);
        more.putObject("annotations").put("org.criu.config", "").put("more", "x");
        StoredConfigValidator.Refused e = assertThrows(StoredConfigValidator.Refused.class,
                () -> StoredConfigValidator.validate(more, rootfs.toString(), daemonRoot, true, daemon));
        assertTrue(e.getMessage().contains("annotations.more"), e.getMessage());
        ObjectNode empty = daemonConfig(false);
        empty.putObject("annotations");
        accepted(empty);
    }

    @Test
    void devicesAreRefused() {
        refused(c -> linux(c).putArray("devices").addObject().put("path", "/dev/sda").put("type", "b"),
                "linux.devices");
        refused(c -> ((ArrayNode) linux(c).get("resources").get("devices")).addObject().put("allow", true)
                .put("access", "rwm"), "linux.resources.devices[1]", "allows device access");
    }

    @Test
    void capabilitiesBeyondTheDefaultSetAreRefused() {
        refused(c -> ((ArrayNode) process(c).get("capabilities").get("bounding")).add("CAP_SYS_ADMIN"),
                "process.capabilities.bounding", "CAP_SYS_ADMIN");
        refused(c -> ((ObjectNode) process(c).get("capabilities")).putArray("ambient").add("CAP_SYS_PTRACE"),
                "process.capabilities.ambient", "CAP_SYS_PTRACE");
    }

    @Test
    void aDifferentOrHostRootPathIsRefused() throws Exception {
        Path other = Files.createDirectories(temp.resolve("other-rootfs"));
        refused(c -> ((ObjectNode) c.get("root")).put("path", other.toString()), "root.path", "differs");
        refused(c -> ((ObjectNode) c.get("root")).put("path", "/"), "root.path", "host system directory");
        refused(c -> ((ObjectNode) c.get("root")).put("path", "/etc"), "root.path", "host system directory");
        refused(c -> ((ObjectNode) c.get("root")).put("path", rootfs + "/../rootfs"), "root.path", "normalized");
        refused(c -> ((ObjectNode) c.get("root")).remove("path"), "root.path", "missing");
        ObjectNode aboveDaemon = daemonConfig(false);
        ((ObjectNode) aboveDaemon.get("root")).put("path", temp.toString());
        StoredConfigValidator.Refused e = assertThrows(StoredConfigValidator.Refused.class,
                () -> StoredConfigValidator.validate(aboveDaemon, null, daemonRoot));
        assertTrue(e.getMessage().contains("contains the daemon's root"), e.getMessage());
        ObjectNode missing = daemonConfig(false);
        ((ObjectNode) missing.get("root")).put("path", temp.resolve("gone").toString());
        e = assertThrows(StoredConfigValidator.Refused.class,
                () -> StoredConfigValidator.validate(missing, null, daemonRoot));
        assertTrue(e.getMessage().contains("does not exist on this node"), e.getMessage());
    }

    @Test
    void privilegedSettingsAreRefused() {
        refused(c -> process(c).put("noNewPrivileges", false), "process.noNewPrivileges");
        refused(c -> process(c).put("apparmorProfile", "unconfined"), "process.apparmorProfile");
        refused(c -> process(c).put("oomScoreAdj", -1000), "process.oomScoreAdj");
        refused(c -> linux(c).putObject("sysctl").put("kernel.core_pattern", "|/tmp/x"), "linux.sysctl");
        refused(c -> linux(c).put("rootfsPropagation", "shared"), "linux.rootfsPropagation");
        refused(c -> linux(c).putArray("maskedPaths").add("/proc/acpi"), "linux.maskedPaths", "/proc/asound");
        refused(c -> linux(c).putArray("readonlyPaths"), "linux.readonlyPaths", "/proc/bus");
        refused(c -> c.putObject("vm"), "vm", "not a field");
    }

    @Test
    void joinedOrMissingNamespacesAreRefused() {
        refused(c -> ((ObjectNode) linux(c).get("namespaces").get(0)).put("path", "/proc/1/ns/pid"),
                "linux.namespaces[0].path", "joins an existing pid namespace");
        refused(c -> ((ArrayNode) linux(c).get("namespaces")).remove(0), "linux.namespaces", "lacks a pid namespace");
        refused(c -> linux(c).remove("namespaces"), "linux.namespaces", "missing");
        refused(c -> ((ArrayNode) linux(c).get("namespaces")).addObject().put("type", "time2"), "unknown type");
    }
}
