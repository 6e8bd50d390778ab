package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.StateStore;

/** The run flags as the daemon checks and applies them, users from the rootfs, ids by prefix. */
class RunFlagsTest {
    @TempDir
    Path dir;

    private static CreateSpec spec(String user, String workdir, List<String> volumes, long cpuMillis,
                                   String restart, boolean rm) {
        return new CreateSpec("n", null, "/r", null, List.of("sh"), List.of(), null, false, true, false, 0, cpuMillis,
                volumes, workdir, user, Map.of("team", "db"), restart, rm);
    }

    private Path rootfs() throws IOException {
        Path root = dir.resolve("rootfs");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
                + "app:x:1000:1001:app:/home/app:/bin/sh\n# comment\nbad:line\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1001:\nwheel:x:10:app,other\n"
                + "audio:x:29:other\nstaff:x:50:app\n");
        return root;
    }

    @Test
    void usersAndGroupsAreLookedUpInTheRootfsNotOnTheHost() throws IOException {
        Path root = rootfs();
        assertEquals(new ContainerUser(1000, 1001, List.of(10L, 50L)), ContainerUser.resolve(root, "app"));
        assertEquals(new ContainerUser(1000, 10, List.of(50L)), ContainerUser.resolve(root, "app:wheel"));
        assertEquals(new ContainerUser(1000, 1001, List.of(10L, 50L)), ContainerUser.resolve(root, "1000"),
                "a UID that passwd lists gets its group and supplementary groups");
        assertEquals(new ContainerUser(4242, 7, List.of()), ContainerUser.resolve(root, "4242:7"));
        assertEquals(new ContainerUser(4242, 0, List.of()), ContainerUser.resolve(root, "4242"));
        HydraException unknown = assertThrows(HydraException.class, () -> ContainerUser.resolve(root, "nobody"));
        assertTrue(unknown.getMessage().contains("'nobody' is not in the container's /etc/passwd"), unknown.getMessage());
        assertThrows(HydraException.class, () -> ContainerUser.resolve(root, "app:nogroup"));
        assertThrows(HydraException.class, () -> ContainerUser.resolve(root, "99999999999"));
    }

    @Test
    void anAbsolutePasswdLinkIsFollowedInsideTheRootfs() throws IOException {
        Path root = rootfs();
        Path etc = root.resolve("etc");
        Files.move(etc.resolve("passwd"), etc.resolve("passwd.real"));
        // on the host, /etc/passwd.real does not exist: a lookup that escaped the rootfs would fail to find app
        Files.createSymbolicLink(etc.resolve("passwd"), Path.of("/etc/passwd.real"));
        assertEquals(1000, ContainerUser.resolve(root, "app").uid());
    }

    @Test
    void flagsBecomeTheOciConfig() throws IOException {
        Path root = rootfs();
        Path data = Files.createDirectories(dir.resolve("data"));
        ObjectNode c = DefaultSpec.generate(root, spec("app", "/work/./srv/", List.of(data + ":/data:ro",
                data + ":/dev/shm"), 1500, "on-failure:3", false), "/hydra/x", 1024);
        assertEquals(true, c.path("process").path("terminal").asBoolean());
        assertEquals(1000, c.path("process").path("user").path("uid").asInt());
        assertEquals(1001, c.path("process").path("user").path("gid").asInt());
        assertEquals("[10,50]", c.path("process").path("user").path("additionalGids").toString());
        assertEquals("/work/srv", c.path("process").path("cwd").asText());
        assertEquals(150000, c.path("linux").path("resources").path("cpu").path("quota").asLong());
        assertEquals(100000, c.path("linux").path("resources").path("cpu").path("period").asLong());
        assertTrue(c.path("annotations").path("team").isMissingNode(), "labels are the record's, not annotations");
        String mounts = c.path("mounts").toString();
        assertTrue(mounts.contains("{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"" + data
                + "\",\"options\":[\"rbind\",\"ro\"]}"), mounts);
        assertEquals(1, mounts.split("\"/dev/shm\"").length - 1, "a -v over /dev/shm replaces the default: " + mounts);
    }

    @Test
    void badFlagsAreRefusedNamingTheProblem() {
        Map<String, CreateSpec> bad = Map.of(
                "does not exist", spec(null, null, List.of("/no/such/dir:/data"), 0, null, false),
                "must be absolute", spec(null, null, List.of("/tmp:data"), 0, null, false),
                "not ro or rw", spec(null, null, List.of("/tmp:/data:rx"), 0, null, false),
                "must not contain '..'", spec(null, "/a/../../b", List.of(), 0, null, false),
                "root /", spec(null, null, List.of("/tmp:/"), 0, null, false),
                "conflict", spec(null, null, List.of(), 0, "always", true),
                "not a restart policy", spec(null, null, List.of(), 0, "sometimes", false),
                "at least 0.01", spec(null, null, List.of(), 5, null, false),
                "already the destination", spec(null, null, List.of("/tmp:/d", "/var:/d"), 0, null, false));
        bad.forEach((message, s) -> {
            HydraException e = assertThrows(HydraException.class, () -> RunFlags.check(s), message);
            assertTrue(e.getMessage().contains(message), message + ": " + e.getMessage());
        });
    }

    @Test
    void restartPoliciesParseAndPrintAsTyped() {
        for (String p : List.of("no", "always", "on-failure", "on-failure:3")) {
            assertEquals(p, RestartPolicy.parse(p).toString());
        }
        assertEquals(3, RestartPolicy.parse("on-failure:3").maxRetries());
        assertThrows(HydraException.class, () -> RestartPolicy.parse("on-failure:-1"));
    }

    private static ContainerRecord record(String id, String name) {
        return new ContainerRecord(id, name, ContainerStatus.exited, "eager", null, Path.of("/c/" + id),
                Path.of("/c/" + id + "/bundle"), null, List.of("sleep", "1"), false, 11, 0, null, false, null, "node",
                Instant.now(), Instant.now(), Instant.now(), 0, null);
    }

    @Test
    void aUniqueIdPrefixNamesAContainerAndAnAmbiguousOneListsTheMatches() {
        try (StateStore store = new StateStore(dir.resolve("state.db"))) {
            store.commit(StateStore.Change.put(record("abcd1111" + "0".repeat(24), "one")));
            store.commit(StateStore.Change.put(record("abcd2222" + "0".repeat(24), "two")));
            store.commit(StateStore.Change.put(record("beef" + "0".repeat(28), "three")));
            Containers containers = new Containers(null, "node", store, null, null, 0);
            assertEquals("one", containers.find("abcd1").name());
            assertEquals("three", containers.find("BEEF").name());
            assertEquals("two", containers.find("two").name());
            HydraException ambiguous = assertThrows(HydraException.class, () -> containers.find("abcd"));
            assertTrue(ambiguous.getMessage().contains("ambiguous") && ambiguous.getMessage().contains("(one)")
                    && ambiguous.getMessage().contains("(two)"), ambiguous.getMessage());
            HydraException tooShort = assertThrows(HydraException.class, () -> containers.find("bee"));
            assertTrue(tooShort.getMessage().contains("no such container"), tooShort.getMessage());
        }
    }

    @Test
    void generatedNamesAreValidAndAvoidTakenOnes() {
        java.util.Set<String> taken = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            String name = NameGenerator.generate(taken::contains);
            ContainerNames.validate(name);
            assertTrue(taken.add(name), "unique: " + name);
        }
        assertThrows(HydraException.class, () -> NameGenerator.generate(n -> true));
    }
}
