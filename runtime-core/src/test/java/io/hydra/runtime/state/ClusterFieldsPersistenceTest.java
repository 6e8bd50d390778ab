package io.hydra.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster's new fields persist, and rows written before they existed still read (with their defaults). */
class ClusterFieldsPersistenceTest {
    @TempDir
    Path dir;

    private static ContainerRecord record(RunOptions options) {
        return new ContainerRecord("a", "alpha", ContainerStatus.running, "eager", null, Path.of("/c/a"),
                Path.of("/c/a/bundle"), null, List.of("sleep", "1"), false, 11, null, null, false, null, "node",
                Instant.parse("2026-01-01T00:00:00Z"), null, null, 0, options);
    }

    @Test
    void constraintsAndFailoverSettingsSurviveAReopen() {
        Path db = dir.resolve("state.db");
        try (StateStore s = new StateStore(db)) {
            s.commit(StateStore.Change.put(record(new RunOptions(null, null, Map.of(), RestartPolicy.NO, false, false,
                    false, Map.of("zone", "eu")))));
            s.putPolicy("a", new CheckpointPolicy("a", Duration.ofSeconds(5), 2, Instant.now(), null, true,
                    Map.of("disk", "ssd")));
        }
        try (StateStore s = new StateStore(db)) {
            assertEquals(Map.of("zone", "eu"), s.byId("a").orElseThrow().options().constraints());
            CheckpointPolicy p = s.policy("a").orElseThrow();
            assertTrue(p.noFailover());
            assertFalse(p.protects());
            assertEquals(Map.of("disk", "ssd"), p.constraints());
        }
    }

    @Test
    void rowsWrittenBeforeTheClusterReadWithDefaults() throws Exception {
        Path db = dir.resolve("state.db");
        try (StateStore s = new StateStore(db)) {
            s.commit(StateStore.Change.put(record(RunOptions.NONE)));
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); var st = c.createStatement()) {
            st.execute("INSERT INTO policies (container_id, policy) VALUES ('a', '{\"containerId\":\"a\","
                    + "\"every\":\"PT5S\",\"keep\":2,\"nextDue\":\"2026-01-01T00:00:00Z\",\"lastError\":null}')");
            st.execute("UPDATE containers SET record = replace(record, ',\"constraints\":{}', '') WHERE id = 'a'");
            try (var rs = st.executeQuery("SELECT record FROM containers WHERE id = 'a'")) {
                assertTrue(rs.next());
                assertFalse(rs.getString(1).contains("constraints"), rs.getString(1));
            }
        }
        try (StateStore s = new StateStore(db)) {
            assertEquals(Map.of(), s.byId("a").orElseThrow().options().constraints());
            CheckpointPolicy p = s.policy("a").orElseThrow();
            assertFalse(p.noFailover());
            assertTrue(p.protects());
            assertEquals(Map.of(), p.constraints());
            assertEquals(Duration.ofSeconds(5), p.every());
        }
    }
}
