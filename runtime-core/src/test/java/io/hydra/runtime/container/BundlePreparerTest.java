package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.runtime.HydraException;

class BundlePreparerTest {
    @TempDir
    Path dir;

    private Path rootfsWithSh() throws Exception {
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Path busybox = Files.writeString(bin.resolve("busybox"), "#!");
        busybox.toFile().setExecutable(true);
        Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
        // an absolute link means the rootfs's /bin/busybox, never the host's
        Files.createSymbolicLink(bin.resolve("abs"), Path.of("/bin/busybox"));
        Files.createSymbolicLink(bin.resolve("escape"), Path.of("../../../../../../usr/bin/env"));
        return rootfs;
    }

    private static CreateSpec spec(Path rootfs, List<String> args, List<String> env) {
        return new CreateSpec("n", null, rootfs.toString(), args, env, null, false, false, 0);
    }

    @Test
    void resolvesCommandsInsideTheRootfsOnly() throws Exception {
        Path rootfs = rootfsWithSh();
        assertEquals(rootfs.resolve("bin/busybox"),
                BundlePreparer.findCommand(rootfs, "sh", BundlePreparer.DEFAULT_PATH, "/").orElseThrow());
        assertEquals(rootfs.resolve("bin/busybox"),
                BundlePreparer.findCommand(rootfs, "abs", BundlePreparer.DEFAULT_PATH, "/").orElseThrow());
        assertTrue(BundlePreparer.findCommand(rootfs, "escape", BundlePreparer.DEFAULT_PATH, "/").isEmpty(),
                "'..' stops at the rootfs's root, so the host's /usr/bin/env is not found");
        assertTrue(BundlePreparer.findCommand(rootfs, "env", BundlePreparer.DEFAULT_PATH, "/").isEmpty());
    }

    @Test
    void generatedConfigRespectsTheHostRlimit() throws Exception {
        BundlePreparer.PreparedBundle b = new BundlePreparer().fromRootfs(spec(rootfsWithSh(),
                List.of("sh", "-c", "true"), List.of("A=1")), "/hydra/x");
        long nofile = b.config().path("process").path("rlimits").get(0).path("hard").asLong();
        assertTrue(nofile <= BundlePreparer.hardNofileLimit());
        assertTrue(b.config().path("process").path("env").toString().contains("A=1"));
    }

    @Test
    void rejectsAnRlimitAboveTheHostLimit() throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        rootfsWithSh();
        Files.move(dir.resolve("rootfs"), bundle.resolve("rootfs"));
        Files.writeString(bundle.resolve("config.json"), "{\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],"
                + "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":" + Long.MAX_VALUE + ",\"soft\":1024}]}}");
        HydraException e = assertThrows(HydraException.class, () -> new BundlePreparer().fromBundle(bundle));
        assertTrue(e.getMessage().contains("RLIMIT_NOFILE"), e.getMessage());
    }

    @Test
    void aCommandThatCannotRunIsRefusedWithTheShellsCode() throws Exception {
        Path rootfs = rootfsWithSh();
        Files.writeString(rootfs.resolve("bin/plain"), "data\n");
        BundlePreparer p = new BundlePreparer();
        CommandNotRunnableException missing = assertThrows(CommandNotRunnableException.class,
                () -> p.fromRootfs(spec(rootfs, List.of("nope"), List.of()), "/hydra/x"));
        assertEquals(127, missing.exitCode());
        assertTrue(missing.getMessage().contains("'nope' not found in rootfs"), missing.getMessage());
        CommandNotRunnableException plain = assertThrows(CommandNotRunnableException.class,
                () -> p.fromRootfs(spec(rootfs, List.of("plain"), List.of()), "/hydra/x"));
        assertEquals(126, plain.exitCode());
        assertTrue(plain.getMessage().contains("'plain' in rootfs"), plain.getMessage());
        assertEquals(126, assertThrows(CommandNotRunnableException.class,
                () -> p.fromRootfs(spec(rootfs, List.of("/bin"), List.of()), "/hydra/x")).exitCode());
    }

    @Test
    void rejectsBadEnvironmentEntries() throws Exception {
        Path rootfs = rootfsWithSh();
        HydraException e = assertThrows(HydraException.class, () -> new BundlePreparer().fromRootfs(
                spec(rootfs, List.of("sh"), List.of("NOEQUALS")), "/hydra/x"));
        assertTrue(e.getMessage().contains("NOEQUALS"));
    }

    private Path bundleWith(String linux) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        rootfsWithSh();
        Files.move(dir.resolve("rootfs"), bundle.resolve("rootfs"));
        Files.writeString(bundle.resolve("config.json"), "{\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],"
                + "\"env\":[\"PATH=/bin\",\"A=from-config\"]}" + linux + "}");
        return bundle;
    }

    private static CreateSpec bundleSpec(Path bundle, List<String> env, boolean hostNetwork, long memory) {
        return new CreateSpec("n", bundle.toString(), null, List.of(), env, null, false, hostNetwork, memory);
    }

    @Test
    void mergesMemoryAndEnvironmentIntoABundle() throws Exception {
        Path bundle = bundleWith(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1}}}");
        BundlePreparer.PreparedBundle b = new BundlePreparer().fromBundle(bundle,
                bundleSpec(bundle, List.of("A=1", "B=2"), false, 64 << 20));
        assertEquals(64 << 20, b.config().path("linux").path("resources").path("memory").path("limit").asLong());
        assertEquals("[\"PATH=/bin\",\"A=1\",\"B=2\"]", b.config().path("process").path("env").toString());

        Path bare = dir.resolve("bare");
        Files.move(bundle, bare);
        b = new BundlePreparer().fromBundle(bare, bundleSpec(bare, List.of(), false, 8 << 20));
        assertEquals(8 << 20, b.config().path("linux").path("resources").path("memory").path("limit").asLong(),
                "created where config.json has no linux.resources");
    }

    @Test
    void refusesFlagsABundleCannotTake() throws Exception {
        Path bundle = bundleWith(",\"linux\":{\"resources\":[]}");
        BundlePreparer p = new BundlePreparer();
        assertTrue(assertThrows(HydraException.class, () -> p.fromBundle(bundle, bundleSpec(bundle, List.of(), true, 0)))
                .getMessage().contains("--net host"));
        assertTrue(assertThrows(HydraException.class, () -> p.fromBundle(bundle, bundleSpec(bundle, List.of(), false,
                1 << 20))).getMessage().contains("too small"));
        assertTrue(assertThrows(HydraException.class, () -> p.fromBundle(bundle, bundleSpec(bundle, List.of(), false,
                64 << 20))).getMessage().contains("linux.resources"), "a resources that is not an object is named");
    }

    @Test
    void tellsAMissingCommandFromANonExecutableOne() throws Exception {
        Path rootfs = rootfsWithSh();
        Files.writeString(rootfs.resolve("bin/data"), "x");
        assertEquals(BundlePreparer.CommandLookup.FOUND,
                BundlePreparer.lookupCommand(rootfs, "sh", BundlePreparer.DEFAULT_PATH, "/"));
        assertEquals(BundlePreparer.CommandLookup.NOT_FOUND,
                BundlePreparer.lookupCommand(rootfs, "nope", BundlePreparer.DEFAULT_PATH, "/"));
        assertEquals(BundlePreparer.CommandLookup.NOT_EXECUTABLE,
                BundlePreparer.lookupCommand(rootfs, "data", BundlePreparer.DEFAULT_PATH, "/"));
        assertEquals(BundlePreparer.CommandLookup.NOT_EXECUTABLE,
                BundlePreparer.lookupCommand(rootfs, "/bin", BundlePreparer.DEFAULT_PATH, "/"));
        assertEquals(BundlePreparer.CommandLookup.NOT_FOUND,
                BundlePreparer.lookupCommand(rootfs, "/bin/escape", BundlePreparer.DEFAULT_PATH, "/"),
                "a link out of the rootfs is not followed to the host");
    }
}
