package io.hydra.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;
import io.hydra.runtime.state.StateStore;

class LocalNodeTest {
    private static final Instant NOW = Instant.parse("2026-12-02T05:00:00Z");
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    private ContainerRecord container(String id, ContainerStatus status, long memory, String digest) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve(id));
        Files.writeString(bundle.resolve("config.json"), "{\"linux\": {\"resources\": {\"memory\": {\"limit\": "
                + memory + "}, \"cpu\": {\"quota\": 50000, \"period\": 100000}}}}");
        return new ContainerRecord(id, "n-" + id, status, "eager", null, bundle, bundle, null, List.of("sh"), false,
                1, null, null, false, null, "a", NOW, NOW, null, 0,
                new RunOptions(digest == null ? null : "img", digest, Map.of(), RestartPolicy.NO, false, false));
    }

    @Test
    void freeCapacityIsTotalLessWhatLiveContainersClaim() throws Exception {
        try (StateStore store = new StateStore(dir.resolve("state.db"))) {
            store.commit(StateStore.Change.put(container("c1", ContainerStatus.running, GIB, "sha256:aa")));
            store.commit(StateStore.Change.put(container("c2", ContainerStatus.paused, GIB, null)));
            // an exited container claims nothing, and its image is not counted as cached by a live one
            store.commit(StateStore.Change.put(container("c3", ContainerStatus.exited, GIB, "sha256:bb")));
            LocalNode node = new LocalNode("a", "10.0.0.1:7000", Map.of("zone", "eu"), "4.1", store, NOW, 8 * GIB,
                    4000);
            NodeRecord r = node.record(NOW);
            assertEquals(8 * GIB, r.totalMemoryBytes());
            assertEquals(6 * GIB, r.freeMemoryBytes());
            assertEquals(3000, r.freeCpuMillis());
            assertEquals(2, r.containers());
            assertEquals(Set.of("sha256:aa"), r.cachedImages());
            assertEquals(Map.of("zone", "eu"), r.labels());
            assertEquals("10.0.0.1:7000", r.address());
            assertEquals("4.1", r.criuVersion());
            assertEquals(System.getProperty("os.arch"), r.arch());
            assertTrue(LocalNode.sameContent(r, node.record(NOW.plusSeconds(9))));
            store.commit(StateStore.Change.delete("c2"));
            assertFalse(LocalNode.sameContent(r, node.record(NOW)));
        }
    }

    @Test
    void memTotalIsReadFromMeminfo() throws Exception {
        Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal:       16318588 kB\nMemFree: 1 kB\n");
        assertEquals(16318588L * 1024, LocalNode.totalMemory(meminfo));
        assertTrue(LocalNode.totalMemory(Path.of("/proc/meminfo")) > 0);
    }
}
