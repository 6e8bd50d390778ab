package io.hydra.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.BundlePreparer;
import io.hydra.runtime.container.CreateSpec;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

/**
 * The root of a restored image container is the daemon's own mount under the target's directory, whatever the
 * checkpoint's config named (the source's mount point, on its node); a --rootfs container's root stays in place.
 */
class RestoreConfigImageRootTest {

    private static byte[] forRestore(ContainerRecord target, Optional<ContainerRecord> local, Path stored,
                                     String root, RestoreConfig.StoreTrust trust, String what, Optional<Path> imageRoot) {
        return RestoreConfig.forRestore(target, local, stored, root, trust, what, RestoreConfigTest.DAEMON, imageRoot);
    }
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RestoreConfig.StoreTrust SIGNED = new RestoreConfig.StoreTrust(true, false);
    private static final RunOptions IMAGE = new RunOptions("docker.io/library/busybox:latest",
            "sha256:" + "ab".repeat(32), null, RestartPolicy.NO, false, false);
    @TempDir
    Path temp;
    private Path sourceRoot;
    private Path daemonRoot;

    @BeforeEach
    void setUp() throws IOException {
        // the source's mounted root, as the checkpointing node had it
        sourceRoot = RootfsFixture.withShell(temp.resolve("node-a/containers/aaaa1111/rootfs"));
        daemonRoot = temp.resolve("node-b");
    }

    private ContainerRecord record(Path root, String id, boolean withBundle) throws IOException {
        Path dir = root.resolve("containers").resolve(id);
        if (withBundle) {
            Files.createDirectories(dir.resolve("bundle"));
            Files.write(dir.resolve("bundle/config.json"), JSON.writeValueAsBytes(config(dir.resolve("rootfs"))));
        }
        return new ContainerRecord(id, "n" + id, ContainerStatus.creating, "eager", null, dir, dir.resolve("bundle"),
                null, List.of("sh"), false, 0, null, null, false, null, "node", Instant.now(), null, null, 0, IMAGE);
    }

    private ObjectNode config(Path root) throws IOException {
        Path existing = Files.isDirectory(root) ? root : sourceRoot;
        CreateSpec spec = new CreateSpec("web", null, existing.toString(), List.of("sh"), List.of(), null, false,
                false, 0);
        ObjectNode config = new BundlePreparer().fromRootfs(spec, "/hydra/x").config();
        ((ObjectNode) config.get("root")).put("path", root.toString());
        return config;
    }

    private Path stored(ObjectNode config) throws IOException {
        Path file = temp.resolve("stored-" + System.nanoTime() + ".json");
        Files.write(file, JSON.writeValueAsBytes(config));
        return file;
    }

    @Test
    void onAnotherNodeTheStoredRootIsReplacedByTheTargetsMountWhichNeedNotExistYet() throws Exception {
        ContainerRecord target = record(daemonRoot, "cccc3333", false);
        Path mount = ImageRoots.rootOf(target.containerDir());
        assertFalse(Files.exists(mount));
        JsonNode used = JSON.readTree(forRestore(target, Optional.empty(), stored(config(sourceRoot)),
                sourceRoot.toString(), SIGNED, "version 1 of web", Optional.of(mount)));
        assertEquals(mount.toString(), used.path("root").path("path").asText());
        assertEquals("/hydra/node/cccc3333", used.path("linux").path("cgroupsPath").asText());
    }

    @Test
    void theStoredConfigIsStillValidatedFieldByField() throws Exception {
        ContainerRecord target = record(daemonRoot, "cccc3333", false);
        ObjectNode withHook = config(sourceRoot);
        withHook.putObject("hooks").putArray("prestart").addObject().put("path", "/bin/touch");
        HydraException refused = assertThrows(HydraException.class, () -> forRestore(target,
                Optional.empty(), stored(withHook), null, SIGNED, "version 1 of web",
                Optional.of(ImageRoots.rootOf(target.containerDir()))));
        assertTrue(refused.getMessage().contains("hooks.prestart"), refused.getMessage());
        // a stored root of "/" does not matter either way: it is replaced before the check
        ObjectNode hostRoot = config(sourceRoot);
        ((ObjectNode) hostRoot.get("root")).put("path", "/");
        JsonNode used = JSON.readTree(forRestore(target, Optional.empty(), stored(hostRoot), null,
                SIGNED, "v1", Optional.of(ImageRoots.rootOf(target.containerDir()))));
        assertEquals(ImageRoots.rootOf(target.containerDir()).toString(), used.path("root").path("path").asText());
    }

    @Test
    void aCopyOnTheSameNodeGetsItsOwnMountNotTheSources() throws Exception {
        ContainerRecord source = record(temp.resolve("node-a"), "aaaa1111", true);
        ContainerRecord copy = record(temp.resolve("node-a"), "bbbb2222", false);
        JsonNode used = JSON.readTree(forRestore(copy, Optional.of(source), stored(config(sourceRoot)),
                sourceRoot.toString(), SIGNED, "v1", Optional.of(ImageRoots.rootOf(copy.containerDir()))));
        assertEquals(ImageRoots.rootOf(copy.containerDir()).toString(), used.path("root").path("path").asText());
        assertEquals("/hydra/node/bbbb2222", used.path("linux").path("cgroupsPath").asText());
    }

    @Test
    void aRootfsContainerIsRestoredOnlyWhereItsPathExistsAndTheErrorSaysWhy() throws Exception {
        ContainerRecord target = record(daemonRoot, "cccc3333", false);
        ObjectNode elsewhere = config(sourceRoot);
        ((ObjectNode) elsewhere.get("root")).put("path", temp.resolve("node-a/rootfs-not-here").toString());
        HydraException refused = assertThrows(HydraException.class, () -> forRestore(target,
                Optional.empty(), stored(elsewhere), null, SIGNED, "version 1 of web", Optional.empty()));
        assertTrue(refused.getMessage().contains("does not exist on this node")
                && refused.getMessage().contains("restored only where that path exists")
                && refused.getMessage().contains("from an image"), refused.getMessage());
    }
}
