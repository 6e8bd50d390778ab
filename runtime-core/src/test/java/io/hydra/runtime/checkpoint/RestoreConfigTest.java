package io.hydra.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;

/** Which config a restore installs: this node's own record when it has one, the validated stored one otherwise. */
class RestoreConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path temp;
    private Path rootfs;
    private Path root;

    @BeforeEach
    void setUp() throws IOException {
        rootfs = temp.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createFile(rootfs.resolve("bin/sh"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        root = temp.resolve("hydra");
    }

    private ContainerRecord record(String id, boolean withBundle) throws IOException {
        Path dir = root.resolve("containers").resolve(id);
        if (withBundle) {
            Files.createDirectories(dir.resolve("bundle"));
            Files.write(dir.resolve("bundle/config.json"), JSON.writeValueAsBytes(config("/hydra/" + id)));
        }
        return new ContainerRecord(id, "n" + id, ContainerStatus.creating, "eager", null, dir, dir.resolve("bundle"),
                null, List.of("sh"), false, 0, null, null, false, null, "node", Instant.now(), null, null, 0);
    }

    private ObjectNode config(String cgroupsPath) {
        CreateSpec spec = new CreateSpec("web", null, rootfs.toString(), List.of("sh"), List.of(), null, false, false,
                0);
        return new BundlePreparer().fromRootfs(spec, cgroupsPath).config();
    }

    private Path stored(ObjectNode config) throws IOException {
        Path file = temp.resolve("stored-" + System.nanoTime() + ".json");
        Files.write(file, JSON.writeValueAsBytes(config));
        return file;
    }

    private static ObjectNode withHook(ObjectNode config) {
        config.putObject("hooks").putArray("prestart").addObject().put("path", "/bin/touch")
                .putArray("args").add("touch").add("/tmp/pwned");
        return config;
    }

    private static JsonNode read(byte[] bytes) throws IOException {
        return JSON.readTree(bytes);
    }

    @Test
    void aLocalContainerGetsItsOwnConfigAndThePlantedOneIsIgnored() throws Exception {
        ContainerRecord local = record("aaaa1111", true);
        Path planted = stored(withHook(config("/hydra/aaaa1111")));
        JsonNode used = read(RestoreConfig.forRestore(local, Optional.of(local), planted, rootfs.toString(), "v1"));
        assertFalse(used.has("hooks"), "the stored hook is ignored: " + used);
        assertEquals("/hydra/aaaa1111", used.path("linux").path("cgroupsPath").asText());
    }

    @Test
    void aCopyUnderAnotherNameGetsItsOwnCgroupAndTheSourcesOwnConfig() throws Exception {
        ContainerRecord source = record("aaaa1111", true);
        ContainerRecord copy = record("bbbb2222", false);
        Path planted = stored(withHook(config("/hydra/aaaa1111")));
        JsonNode used = read(RestoreConfig.forRestore(copy, Optional.of(source), planted, rootfs.toString(), "v1"));
        assertEquals("/hydra/bbbb2222", used.path("linux").path("cgroupsPath").asText(),
                "never the original's cgroup");
        assertFalse(used.has("hooks"));
        assertEquals(rootfs.toString(), used.path("root").path("path").asText());
    }

    @Test
    void aContainerUnknownHereIsValidatedAndGetsTheCgroupOfItsId() throws Exception {
        ContainerRecord target = record("cccc3333", false);
        JsonNode used = read(RestoreConfig.forRestore(target, Optional.empty(), stored(config("/elsewhere/x")),
                rootfs.toString(), "version 3 of web"));
        assertEquals("/hydra/cccc3333", used.path("linux").path("cgroupsPath").asText());

        HydraException refused = assertThrows(HydraException.class, () -> RestoreConfig.forRestore(target,
                Optional.empty(), stored(withHook(config("/hydra/cccc3333"))), rootfs.toString(), "version 3 of web"));
        assertTrue(refused.getMessage().contains("refusing to restore version 3 of web"), refused.getMessage());
        assertTrue(refused.getMessage().contains("hooks.prestart"), refused.getMessage());
    }

    @Test
    void aStoredConfigThatIsNotJsonOrHasDuplicateFieldsIsRefused() throws Exception {
        ContainerRecord target = record("dddd4444", false);
        Path garbage = temp.resolve("garbage.json");
        Files.writeString(garbage, "{ nope");
        HydraException e = assertThrows(HydraException.class,
                () -> RestoreConfig.forRestore(target, Optional.empty(), garbage, null, "v9"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        // two "hooks" fields: a reader keeping the first and runc keeping the last must never disagree
        Path duplicate = temp.resolve("dup.json");
        String json = JSON.writeValueAsString(config("/hydra/x"));
        Files.writeString(duplicate, json.substring(0, json.length() - 1)
                + ",\"hooks\":{},\"hooks\":{\"prestart\":[{\"path\":\"/bin/sh\"}]}}");
        e = assertThrows(HydraException.class,
                () -> RestoreConfig.forRestore(target, Optional.empty(), duplicate, null, "v9"));
        assertTrue(e.getMessage().contains("Duplicate field"), e.getMessage());
    }
}
