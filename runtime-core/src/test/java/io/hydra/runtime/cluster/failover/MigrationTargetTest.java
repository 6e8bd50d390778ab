package io.hydra.runtime.cluster.failover;

import static io.hydra.runtime.cluster.failover.EtcdCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.runtime.migration.MigrationTarget;

/**
 * A migration's target on a real etcd, restores scripted ({@link ScriptedRestores}; real ones run end to end in
 * it/'s MigrationTest): it restores exactly the handed version and reports it, hands the container back when that
 * version cannot be restored (never an older one), and drops its copy when the source took the container back.
 */
class MigrationTargetTest {
    private static final Duration DEADLINE = Duration.ofSeconds(15);

    private final EtcdCluster cluster = new EtcdCluster();
    private final ScriptedRestores local = new ScriptedRestores();
    private final AtomicBoolean member = new AtomicBoolean(true);
    private Ownerships owners;
    private MigrationTarget target;

    @BeforeEach
    void join() {
        owners = new Ownerships(cluster.join("b", Map.of()).coordinator());
    }

    @AfterEach
    void stop() {
        if (target != null) {
            target.close();
        }
        cluster.close();
    }

    private void startTarget() {
        target = new MigrationTarget(owners, local, "b", member::get, Duration.ofSeconds(30));
        target.start();
    }

    /** Running on a at epoch 3, then handed to b with version 9. */
    private OwnershipRecord handToB(String id) {
        OwnershipRecord onA = new OwnershipRecord(id, "name-" + id, "a", 3, State.RUNNING, true, 2000, 4,
                Map.of(), 0, 0, "", "", "amd64", "4.2", "", null, 0, "", Instant.now());
        OwnershipRecord handed = onA.migratingTo("b", 9, "m-1", Instant.now());
        owners.create(handed);
        return handed;
    }

    private boolean is(String id, String node, State state, long epoch) {
        return owners.get(id).map(v -> v.record().node().equals(node) && v.record().state() == state
                && v.record().epoch() == epoch).orElse(false);
    }

    @Test
    void theHandedVersionIsRestoredAndReportedRunning_withScriptedRestores() {
        local.versions.put("c1", List.of(9L, 8L));
        startTarget();
        handToB("c1");
        assertTrue(await(DEADLINE, () -> is("c1", "b", State.RUNNING, 4)), owners.all().toString());
        OwnershipRecord running = owners.get("c1").orElseThrow().record();
        assertEquals(9, running.restoredVersion());
        assertEquals("a", running.fromNode());
        assertEquals(List.of(9L), local.attempts);
        assertEquals(1, local.policies.size(), "the checkpoint policy is taken over");
    }

    @Test
    void aVersionThatCannotBeRestoredHandsItBackNeverAnOlderOne_withScriptedRestores() {
        local.versions.put("c1", List.of(9L, 8L));
        local.damaged.add(9L);
        startTarget();
        handToB("c1");
        assertTrue(await(DEADLINE, () -> is("c1", "a", State.RESTORING, 5)), owners.all().toString());
        OwnershipRecord back = owners.get("c1").orElseThrow().record();
        assertEquals("b", back.fromNode());
        assertTrue(back.reason().startsWith("node b could not restore version 9: criu restore failed"),
                back.reason());
        assertEquals(List.of(9L), local.attempts, "version 8 is never tried");
    }

    @Test
    void aCopyMadeAfterTheSourceTookItBackIsRemoved_withScriptedRestores() {
        local.versions.put("c1", List.of(9L));
        local.during = v -> {
            // the source found this node lost and took the container back while CRIU worked
            Ownerships.Versioned now = owners.get("c1").orElseThrow();
            owners.replace(now, now.record().handedBack("node b was lost", Instant.now())).orElseThrow();
        };
        startTarget();
        handToB("c1");
        assertTrue(await(DEADLINE, () -> !local.removed.isEmpty()), owners.all().toString());
        assertTrue(local.removed.get(0).startsWith("c1: owned by node a since epoch 5"), local.removed.toString());
        assertTrue(is("c1", "a", State.RESTORING, 5));
    }

    @Test
    void aNodeThatIsNotAConfirmedMemberRestoresNothing_withScriptedRestores() throws Exception {
        member.set(false);
        local.versions.put("c1", List.of(9L));
        startTarget();
        handToB("c1");
        // the rescan runs at start and every few seconds: a member again, it restores
        assertTrue(!await(Duration.ofSeconds(2), () -> !local.attempts.isEmpty()), "nothing while not a member");
        member.set(true);
        assertTrue(await(DEADLINE, () -> is("c1", "b", State.RUNNING, 4)), owners.all().toString());
    }
}
