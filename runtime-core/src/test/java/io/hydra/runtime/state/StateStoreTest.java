package io.hydra.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.events.HydraEvent;
import io.hydra.spi.monitor.MonitorRecord;
import io.hydra.spi.monitor.ProcessIdentity;

class StateStoreTest {
    @TempDir
    Path dir;

    private static ContainerRecord record(String id, String name) {
        return new ContainerRecord(id, name, ContainerStatus.running, "eager",
                new MonitorRecord("eager", new ProcessIdentity(10, 20), new ProcessIdentity(11, 21), Map.of("k", "v")),
                Path.of("/c/" + id), Path.of("/c/" + id + "/bundle"), null, List.of("sleep", "1"), false, 11, null, null,
                false, null, "node", Instant.parse("2026-01-01T00:00:00Z"), Instant.now(), null, 0, null);
    }

    @Test
    void recordsAndEventsSurviveAReopen() {
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            s.commit(StateStore.Change.put(record("a", "alpha"),
                    HydraEvent.of("io.hydra.container.started", "node", "a", Map.of("pid", 11))));
        }
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            ContainerRecord r = s.byName("alpha").orElseThrow();
            assertEquals(record("a", "alpha").monitorRecord(), r.monitorRecord());
            assertEquals(List.of("sleep", "1"), r.command());
            List<HydraEvent> events = s.eventsAfter(0, 10);
            assertEquals(1, events.size());
            assertEquals(11, ((Number) events.get(0).data().get("pid")).intValue());
            assertEquals(1, s.lastSequence());
        }
    }

    @Test
    void aFailedChangeWritesNothingAtAll() {
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            s.commit(StateStore.Change.put(record("a", "same")));
            // the name is taken: the record and its event must both be refused
            assertThrows(IllegalStateException.class, () -> s.commit(StateStore.Change.put(record("b", "same"),
                    HydraEvent.of("io.hydra.container.created", "node", "b", Map.of()))));
            assertTrue(s.byId("b").isEmpty());
            assertEquals(0, s.eventsAfter(0, 10).size());
        }
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            assertTrue(s.byId("b").isEmpty());
            assertEquals(0, s.eventsAfter(0, 10).size());
        }
    }

    @Test
    void pruningKeepsTheNewestAndNeverAnUnpublishedOneWhenAPublisherRuns() {
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            for (int i = 0; i < 10; i++) {
                s.commit(StateStore.Change.events(HydraEvent.of("io.hydra.container.started", "node", "c" + i,
                        Map.of())));
            }
            s.markPublished(List.of(1L, 2L, 3L));
            assertEquals(3, s.prune(2, true), "only the published among the old ones");
            assertEquals(7, s.eventsAfter(0, 100).size());
            assertEquals(5, s.prune(2, false));
            assertEquals(List.of(9L, 10L), s.eventsAfter(0, 100).stream().map(HydraEvent::sequence).toList());
        }
    }

    @Test
    void anIntentIsWrittenWithItsChangeAndSettledWithItsOutcome() {
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            s.commit(StateStore.Change.put(record("a", "alpha")).with(Intent.of("a", Intent.Kind.checkpoint,
                    Map.of(Intent.IMAGE, "/staging/a-1", Intent.PHASE, Intent.DUMPING))));
            s.commit(StateStore.Change.intent(s.intent("a").orElseThrow().with(Intent.PHASE, Intent.DUMPED)));
        }
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            Intent i = s.intent("a").orElseThrow();
            assertEquals(Intent.Kind.checkpoint, i.kind());
            assertEquals(Intent.DUMPED, i.get(Intent.PHASE));
            assertEquals("/staging/a-1", i.get(Intent.IMAGE));
            s.commit(StateStore.Change.put(record("a", "alpha"),
                    HydraEvent.of("io.hydra.checkpoint.created", "node", "a", Map.of())).settling("a"));
            assertTrue(s.intent("a").isEmpty());
            s.commit(StateStore.Change.intent(Intent.of("a", Intent.Kind.start, Map.of())));
            s.commit(StateStore.Change.delete("a"));
            assertTrue(s.intents().isEmpty(), "removing a container settles its intent");
        }
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            assertTrue(s.intents().isEmpty());
        }
    }

    /** An operation settling its own intent leaves alone one another operation wrote since, also after a reopen. */
    @Test
    void settlingOwnLeavesAnotherOperationsIntent() {
        Intent first = new Intent("a", Intent.Kind.checkpoint, Map.of(Intent.IMAGE, "/s/a-1"),
                Instant.parse("2026-01-01T00:00:01Z"));
        Intent second = new Intent("a", Intent.Kind.checkpoint, Map.of(Intent.IMAGE, "/s/a-2"),
                Instant.parse("2026-01-01T00:00:02Z"));
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            s.commit(StateStore.Change.put(record("a", "alpha")).with(first));
            assertTrue(s.stillOpen(first));
            s.commit(StateStore.Change.intent(second));
            s.commit(StateStore.Change.settlingOwnOnly(first));
            assertEquals(second, s.intent("a").orElseThrow());
            s.commit(StateStore.Change.settlingOwnOnly(second.with(Intent.PHASE, Intent.DUMPED)));
            assertTrue(s.intent("a").isEmpty(), "the same intent in a later phase is still its own");
        }
        try (StateStore s = new StateStore(dir.resolve("state.db"))) {
            assertTrue(s.intent("a").isEmpty());
        }
    }
}
