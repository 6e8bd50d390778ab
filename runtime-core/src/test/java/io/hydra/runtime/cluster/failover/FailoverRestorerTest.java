package io.hydra.runtime.cluster.failover;

import static io.hydra.runtime.cluster.failover.EtcdCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;

/** The restorer on a real etcd; restores themselves are scripted (see {@link ScriptedRestores}). */
class FailoverRestorerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(15);

    private final EtcdCluster cluster = new EtcdCluster();
    private final List<HydraEvent> events = new CopyOnWriteArrayList<>();
    private final ScriptedRestores local = new ScriptedRestores();
    private Ownerships owners;
    private FailoverRestorer restorer;

    @BeforeEach
    void join() {
        // not in a field initializer: a failing join must still reach the clean-up
        owners = new Ownerships(cluster.join("b", Map.of()).coordinator());
    }

    @AfterEach
    void stop() {
        if (restorer != null) {
            restorer.close();
        }
        cluster.close();
    }

    private void startRestorer() {
        restorer = new FailoverRestorer(owners, local, events::add, "b");
        restorer.start();
    }

    private static OwnershipRecord boundToB(String id, Instant lostAt) {
        return new OwnershipRecord(id, "name-" + id, "b", 2, State.RESTORING, true, 2000, 4, Map.of("disk", "ssd"),
                0, 0, "", "", "amd64", "4.2", "a", lostAt, 0, "", Instant.now());
    }

    private boolean state(String id, State state) {
        return owners.get(id).map(v -> v.record().state() == state).orElse(false);
    }

    private List<HydraEvent> events(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    @Test
    void aCopyResumedByItsFailedPostCopyFromHereIsLeftToThatMigration_withScriptedRestores() {
        local.versions.put("c9", List.of(3L));
        // it started long before its hand-back: without the migration's word it would be a stale copy
        local.live.put("c9", Instant.now().minusSeconds(3600));
        owners.create(boundToB("c9", null));
        restorer = new FailoverRestorer(owners, local, events::add, "b", id -> id.equals("c9"));
        restorer.restore("c9");
        assertEquals(List.of(), local.removed, "the running copy is not removed");
        assertEquals(List.of(), local.attempts, "nor replaced by an older version");
        assertTrue(state("c9", State.RESTORING), "its migration reports it, not the restorer");

        FailoverRestorer unaware = new FailoverRestorer(owners, local, events::add, "b");
        unaware.restore("c9");
        assertEquals(1, local.removed.size(), "without a post-copy under way the old copy is stale: " + local.removed);
        assertEquals(List.of(3L), local.attempts);
    }

    @Test
    void theNewestWorkingVersionIsRestoredWalkingPastADamagedOne_withScriptedRestores() {
        Instant lostAt = Instant.now().minusMillis(800);
        local.versions.put("c1", List.of(7L, 6L, 5L));
        local.damaged.add(7L);
        startRestorer();
        owners.create(boundToB("c1", lostAt));

        assertTrue(await(DEADLINE, () -> state("c1", State.RUNNING)), owners.all().toString());
        OwnershipRecord running = owners.get("c1").orElseThrow().record();
        assertEquals(6, running.restoredVersion());
        assertEquals(2, running.epoch());
        assertTrue(running.reason().contains("version 7: criu restore failed: version 7 is damaged"),
                running.reason());
        assertEquals(List.of(7L, 6L), local.attempts);
        assertEquals(List.of(new ScriptedRestores.Policy("c1", Duration.ofMillis(2000), 4, Map.of("disk", "ssd"))),
                local.policies, "the checkpoint policy is taken over");

        assertTrue(await(DEADLINE, () -> events(EventType.CONTAINER_FAILED_OVER).size() == 1));
        Map<String, Object> data = events(EventType.CONTAINER_FAILED_OVER).get(0).data();
        assertEquals("a", data.get("from"));
        assertEquals("b", data.get("to"));
        assertEquals(6L, data.get("version"));
        assertEquals(2L, data.get("epoch"));
        assertTrue((Long) data.get("msSinceLoss") >= 800, data.toString());
        assertTrue((Long) data.get("placedMsAfterLoss") >= 800, "bound after the loss: " + data);
        assertTrue((Long) data.get("restoreMs") >= 0, data.toString());
        assertTrue((Long) data.get("msSinceLoss") >= (Long) data.get("placedMsAfterLoss") + (Long) data.get("restoreMs"),
                data.toString());
        assertEquals(List.of(Map.of("version", 7L, "reason", "criu restore failed: version 7 is damaged")),
                data.get("skipped"));
    }

    @Test
    void everyVersionFailingLeavesTheContainerLostWithEachReason_withScriptedRestores() {
        local.versions.put("c1", List.of(2L, 1L));
        local.damaged.addAll(List.of(2L, 1L));
        startRestorer();
        owners.create(boundToB("c1", Instant.now()));

        assertTrue(await(DEADLINE, () -> state("c1", State.LOST)));
        OwnershipRecord lost = owners.get("c1").orElseThrow().record();
        assertEquals(3, lost.epoch());
        assertTrue(lost.reason().startsWith("no checkpoint version could be restored on node b: version 2: "),
                lost.reason());
        assertTrue(lost.reason().contains("version 1: criu restore failed"), lost.reason());
        assertTrue(await(DEADLINE, () -> events(EventType.CONTAINER_LOST).size() == 1));
        assertEquals(lost.reason(), events(EventType.CONTAINER_LOST).get(0).data().get("reason"));
        assertEquals(List.of(), local.policies);
    }

    @Test
    void aContainerWithoutACompleteCheckpointIsLost_withScriptedRestores() {
        startRestorer();
        owners.create(boundToB("c1", Instant.now()));
        assertTrue(await(DEADLINE, () -> state("c1", State.LOST)));
        assertEquals("no complete checkpoint to restore it from on node b",
                owners.get("c1").orElseThrow().record().reason());
    }

    @Test
    void aRestoreInterruptedByADaemonRestartIsOnlyReportedWhenTheCopyRuns_withScriptedRestores() {
        // bound before this daemon started, and restored by it before it died: the copy runs, the record says so
        OwnershipRecord bound = boundToB("c1", Instant.now());
        // the move before this one had restored version 2 elsewhere: that is not what runs here
        owners.create(new OwnershipRecord(bound.containerId(), bound.name(), bound.node(), bound.epoch(),
                bound.state(), true, bound.everyMillis(), bound.keep(), bound.constraints(), 0, 0, "", "", "amd64",
                "4.2", "a", bound.lostAt(), 2, "", bound.updatedAt()));
        local.live.put("c1", Instant.now());
        local.versions.put("c1", List.of(3L));
        startRestorer();

        assertTrue(await(DEADLINE, () -> state("c1", State.RUNNING)));
        assertEquals(List.of(), local.attempts, "nothing restored twice");
        assertEquals(0, owners.get("c1").orElseThrow().record().restoredVersion(), "not known, and not 2");
        assertTrue(await(DEADLINE, () -> events(EventType.CONTAINER_FAILED_OVER).size() == 1));
        assertEquals(true, events(EventType.CONTAINER_FAILED_OVER).get(0).data().get("recovered"));
        assertEquals(0L, events(EventType.CONTAINER_FAILED_OVER).get(0).data().get("version"));
        assertEquals(List.of(new ScriptedRestores.Policy("c1", Duration.ofMillis(2000), 4, Map.of("disk", "ssd"))),
                local.policies, "the policy the daemon may not have lived to set is set");
    }

    @Test
    void aLocalCopyOlderThanTheMoveIsReplacedByARestore_withScriptedRestores() {
        // a copy fencing froze long before the container ran elsewhere and came back here
        local.live.put("c1", Instant.now().minusSeconds(60));
        local.versions.put("c1", List.of(9L));
        startRestorer();
        owners.create(boundToB("c1", Instant.now()));

        assertTrue(await(DEADLINE, () -> state("c1", State.RUNNING)));
        assertEquals(List.of(9L), local.attempts);
        assertEquals(1, local.removed.size());
        assertEquals(9, owners.get("c1").orElseThrow().record().restoredVersion());
    }

    @Test
    void aContainerMovedAwayDuringItsRestoreIsRemovedHereAgain_withScriptedRestores() {
        local.versions.put("c1", List.of(4L));
        local.during = v -> {
            // the controller found this node lost meanwhile and bound the container to c
            Ownerships.Versioned current = owners.get("c1").orElseThrow();
            owners.replace(current, current.record().movedTo("c", Instant.now(), Instant.now())).orElseThrow();
        };
        startRestorer();
        owners.create(boundToB("c1", Instant.now()));

        assertTrue(await(DEADLINE, () -> !local.removed.isEmpty()), "never two live copies");
        assertTrue(local.removed.get(0).contains("owned by node c since epoch 3"), local.removed.toString());
        OwnershipRecord r = owners.get("c1").orElseThrow().record();
        assertEquals("c", r.node());
        assertEquals(State.RESTORING, r.state());
        assertEquals(List.of(), events(EventType.CONTAINER_FAILED_OVER));
    }

    @Test
    void recordsOfOtherNodesAreLeftAlone_withScriptedRestores() {
        local.versions.put("c1", List.of(1L));
        local.versions.put("c2", List.of(1L));
        startRestorer();
        owners.create(new OwnershipRecord("c1", "n1", "c", 2, State.RESTORING, true, 2000, 4, Map.of(), 0, 0, "", "",
                "amd64", "4.2", "a", Instant.now(), 0, "", Instant.now()));
        owners.create(boundToB("c2", Instant.now()));
        assertTrue(await(DEADLINE, () -> state("c2", State.RUNNING)));
        assertEquals(List.of(1L), local.attempts, "only b's container was restored");
        assertEquals(State.RESTORING, owners.get("c1").orElseThrow().record().state());
    }
}
