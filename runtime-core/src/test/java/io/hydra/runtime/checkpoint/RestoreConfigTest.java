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
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;

/** Which config a restore installs: this node's own record when it has one, the validated stored one otherwise. */
class RestoreConfigTest {

    /** The criu backend's annotation, with a value only this node's restore could have set. */
    static final java.util.Map<String, String> DAEMON = java.util.Map.of("org.criu.config", "/daemon/criu.conf");

    private static byte[] forRestore(ContainerRecord target, Optional<ContainerRecord> local, Path stored,
                                     String root, RestoreConfig.StoreTrust trust, String what) {
        return RestoreConfig.forRestore(target, local, stored, root, trust, what, DAEMON);
    }
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RestoreConfig.StoreTrust SIGNED = new RestoreConfig.StoreTrust(true, false);
    private static final RestoreConfig.StoreTrust UNSIGNED = new RestoreConfig.StoreTrust(false, false);
    private static final RestoreConfig.StoreTrust UNSIGNED_ALLOWED = new RestoreConfig.StoreTrust(false, true);
    @TempDir
    Path temp;
    private Path rootfs;
    private Path root;

    @BeforeEach
    void setUp() throws IOException {
        rootfs = RootfsFixture.withShell(temp.resolve("rootfs"));
        root = temp.resolve("hydra");
    }

    private ContainerRecord record(String id, boolean withBundle) throws IOException {
        Path dir = root.resolve("containers").resolve(id);
        if (withBundle) {
            Files.createDirectories(dir.resolve("bundle"));
            Files.write(dir.resolve("bundle/config.json"), JSON.writeValueAsBytes(config("/hydra/" + id)));
        }
        return new ContainerRecord(id, "n" + id, ContainerStatus.creating, "eager", null, dir, dir.resolve("bundle"),
                null, List.of("sh"), false, 0, null, null, false, null, "node", Instant.now(), null, null, 0, null);
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
        JsonNode used = read(forRestore(local, Optional.of(local), planted, rootfs.toString(), SIGNED, "v1"));
        assertFalse(used.has("hooks"), "the stored hook is ignored: " + used);
        assertEquals("/hydra/aaaa1111", used.path("linux").path("cgroupsPath").asText());
    }

    @Test
    void aCopyUnderAnotherNameGetsItsOwnCgroupAndTheSourcesOwnConfig() throws Exception {
        ContainerRecord source = record("aaaa1111", true);
        ContainerRecord copy = record("bbbb2222", false);
        Path planted = stored(withHook(config("/hydra/aaaa1111")));
        JsonNode used = read(forRestore(copy, Optional.of(source), planted, rootfs.toString(), SIGNED, "v1"));
        assertEquals("/hydra/node/bbbb2222", used.path("linux").path("cgroupsPath").asText(),
                "never the original's cgroup");
        assertFalse(used.has("hooks"));
        assertEquals(rootfs.toString(), used.path("root").path("path").asText());
    }

    @Test
    void aContainerUnknownHereIsValidatedAndGetsTheCgroupOfItsId() throws Exception {
        ContainerRecord target = record("cccc3333", false);
        JsonNode used = read(forRestore(target, Optional.empty(), stored(config("/elsewhere/x")),
                rootfs.toString(), SIGNED, "version 3 of web"));
        assertEquals("/hydra/node/cccc3333", used.path("linux").path("cgroupsPath").asText());

        HydraException refused = assertThrows(HydraException.class, () -> forRestore(target,
                Optional.empty(), stored(withHook(config("/hydra/cccc3333"))), rootfs.toString(), SIGNED, "version 3 of web"));
        assertTrue(refused.getMessage().contains("refusing to restore version 3 of web"), refused.getMessage());
        assertTrue(refused.getMessage().contains("hooks.prestart"), refused.getMessage());
    }

    @Test
    void onAnUnsignedStoreAContainerUnknownHereIsRefusedUnlessAllowedAndThenItsRecordedRootIsNoExpectation()
            throws Exception {
        ContainerRecord foreign = record("cccc3333", false);
        Path genuine = stored(config("/hydra/cccc3333"));
        HydraException refused = assertThrows(HydraException.class, () -> forRestore(foreign,
                Optional.empty(), genuine, rootfs.toString(), UNSIGNED, "version 2 of web"));
        assertTrue(refused.getMessage().contains("refusing to restore version 2 of web"), refused.getMessage());
        assertTrue(refused.getMessage().contains("unsigned"), refused.getMessage());
        assertTrue(refused.getMessage().contains("hydra.checkpoint.unsigned-restore=true"), refused.getMessage());

        // allowed: validated, and a recorded root (anyone could have written it) neither helps nor hinders
        JsonNode used = read(forRestore(foreign, Optional.empty(), genuine, "/some/other/root",
                UNSIGNED_ALLOWED, "v2"));
        assertEquals(rootfs.toString(), used.path("root").path("path").asText());
        HydraException hook = assertThrows(HydraException.class, () -> forRestore(foreign,
                Optional.empty(), stored(withHook(config("/hydra/cccc3333"))), rootfs.toString(), UNSIGNED_ALLOWED,
                "v2"));
        assertTrue(hook.getMessage().contains("hooks.prestart"), hook.getMessage());

        // signed: the recorded root is an expectation
        HydraException otherRoot = assertThrows(HydraException.class, () -> forRestore(foreign,
                Optional.empty(), genuine, "/some/other/root", SIGNED, "v2"));
        assertTrue(otherRoot.getMessage().contains("differs from the container's root"), otherRoot.getMessage());

        // known here: rebuilt from this node's own record, so an unsigned store needs no permission
        ContainerRecord local = record("aaaa1111", true);
        assertEquals("/hydra/aaaa1111", read(forRestore(local, Optional.of(local), genuine,
                rootfs.toString(), UNSIGNED, "v2")).path("linux").path("cgroupsPath").asText());
    }

    @Test
    void everyInstalledConfigCarriesThisNodesCriuConfigAnnotationWhateverTheStoredOneSaid() throws Exception {
        ContainerRecord local = record("aaaa1111", true);
        Path ownBundle = local.bundle().resolve("config.json");
        ObjectNode withAnnotation = config("/hydra/aaaa1111");
        withAnnotation.putObject("annotations").put("org.criu.config", "/tmp/evil.conf");
        Files.write(ownBundle, JSON.writeValueAsBytes(withAnnotation));
        Path planted = stored(config("/hydra/aaaa1111"));
        JsonNode localRebuild = read(forRestore(local, Optional.of(local), planted, rootfs.toString(), SIGNED,
                "v1"));
        assertEquals("/daemon/criu.conf", localRebuild.path("annotations").path("org.criu.config").asText("absent"));

        ContainerRecord copy = record("bbbb2222", false);
        JsonNode asCopy = read(forRestore(copy, Optional.of(local), planted, rootfs.toString(), SIGNED, "v1"));
        assertEquals("/daemon/criu.conf", asCopy.path("annotations").path("org.criu.config").asText("absent"));

        ContainerRecord foreign = record("cccc3333", false);
        ObjectNode sourceNodes = config("/hydra/cccc3333");
        sourceNodes.putObject("annotations").put("org.criu.config", "/tmp/evil.conf");
        JsonNode validated = read(forRestore(foreign, Optional.empty(), stored(sourceNodes), rootfs.toString(),
                SIGNED, "v1"));
        assertEquals("/daemon/criu.conf", validated.path("annotations").path("org.criu.config").asText("absent"));
        assertEquals(1, validated.path("annotations").size(), validated.toString());

        ObjectNode other = config("/hydra/cccc3333");
        other.putObject("annotations").put("run.oci.hooks", "x");
        HydraException refused = assertThrows(HydraException.class, () -> forRestore(foreign,
                Optional.empty(), stored(other), rootfs.toString(), SIGNED, "v1"));
        assertTrue(refused.getMessage().contains("annotations.run.oci.hooks"), refused.getMessage());
    }

    @Test
    void aStoredConfigThatIsNotJsonOrHasDuplicateFieldsIsRefused() throws Exception {
        ContainerRecord target = record("dddd4444", false);
        Path garbage = temp.resolve("garbage.json");
        Files.writeString(garbage, "{ nope");
        HydraException e = assertThrows(HydraException.class,
                () -> forRestore(target, Optional.empty(), garbage, null, SIGNED, "v9"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        // two "hooks" fields: a reader keeping the first and runc keeping the last must never disagree
        Path duplicate = temp.resolve("dup.json");
        String json = JSON.writeValueAsString(config("/hydra/x"));
        Files.writeString(duplicate, json.substring(0, json.length() - 1)
                + ",\"hooks\":{},\"hooks\":{\"prestart\":[{\"path\":\"/bin/sh\"}]}}");
        e = assertThrows(HydraException.class,
                () -> forRestore(target, Optional.empty(), duplicate, null, SIGNED, "v9"));
        assertTrue(e.getMessage().contains("Duplicate field"), e.getMessage());
    }
}
