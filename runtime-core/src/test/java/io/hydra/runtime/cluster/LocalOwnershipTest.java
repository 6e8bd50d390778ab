package io.hydra.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.runtime.cluster.LocalOwnership.Verdict;
import io.hydra.runtime.state.CheckpointPolicy;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

class LocalOwnershipTest {
    private static final Instant NOW = Instant.parse("2026-12-02T05:00:00Z");

    @TempDir
    Path dir;

    private ContainerRecord container(Map<String, String> constraints) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        Files.writeString(bundle.resolve("config.json"), """
                {"root": {"path": "/srv/rootfs"},
                 "linux": {"resources": {"memory": {"limit": 268435456},
                                         "cpu": {"quota": 150000, "period": 100000}}}}
                """);
        return new ContainerRecord("c1", "web", ContainerStatus.running, "eager", null, dir, bundle, null,
                List.of("sh"), false, 10, null, null, false, null, "a", NOW, NOW, null, 0,
                new RunOptions(null, null, Map.of(), RestartPolicy.NO, false, false, false, constraints));
    }

    private static CheckpointPolicy policy(boolean noFailover, Map<String, String> constraints) {
        return new CheckpointPolicy("c1", Duration.ofSeconds(5), 3, NOW, null, noFailover, constraints);
    }

    @Test
    void theDesiredRecordSaysWhatTheContainerClaimsAndWhereItsRootIs() throws Exception {
        OwnershipRecord d = LocalOwnership.desired(container(Map.of("zone", "eu")), Optional.of(policy(false,
                Map.of())), "a", "amd64", "4.1", NOW);
        assertEquals("a", d.node());
        assertEquals(1, d.epoch());
        assertEquals(OwnershipRecord.State.RUNNING, d.state());
        assertTrue(d.isProtected());
        assertEquals(5000, d.everyMillis());
        assertEquals(3, d.keep());
        assertEquals(Map.of("zone", "eu"), d.constraints());
        assertEquals(268435456L, d.memoryBytes());
        assertEquals(1500, d.cpuMillis());
        assertEquals("/srv/rootfs", d.rootfs());
        assertEquals("4.1", d.criuVersion());
    }

    @Test
    void noFailoverOrNoPolicyIsNotProtectedAndPolicyConstraintsReplaceTheContainers() throws Exception {
        ContainerRecord c = container(Map.of("zone", "eu"));
        assertFalse(LocalOwnership.desired(c, Optional.empty(), "a", "amd64", "", NOW).isProtected());
        OwnershipRecord d = LocalOwnership.desired(c, Optional.of(policy(true, Map.of("disk", "ssd"))), "a",
                "amd64", "", NOW);
        assertFalse(d.isProtected());
        assertEquals(Map.of("disk", "ssd"), d.constraints());
    }

    @Test
    void verdictsFollowTheRecord() throws Exception {
        OwnershipRecord desired = LocalOwnership.desired(container(Map.of()), Optional.of(policy(false, Map.of())),
                "a", "amd64", "4.1", NOW);
        assertEquals(Verdict.CREATE, LocalOwnership.decide(Optional.empty(), desired));
        assertEquals(Verdict.KEEP, LocalOwnership.decide(Optional.of(desired), desired));
        OwnershipRecord unprotected = LocalOwnership.desired(container(Map.of()), Optional.empty(), "a", "amd64",
                "4.1", NOW);
        assertEquals(Verdict.UPDATE, LocalOwnership.decide(Optional.of(unprotected), desired));
        OwnershipRecord movedAway = desired.movedTo("b", NOW, NOW);
        assertEquals(Verdict.REMOVE_LOCAL, LocalOwnership.decide(Optional.of(movedAway), desired));
        assertEquals(Verdict.REMOVE_LOCAL, LocalOwnership.decide(Optional.of(movedAway.running(3, "", NOW)),
                desired));
        assertEquals("owned by node b since epoch 2", LocalOwnership.removalReason(movedAway));
        OwnershipRecord restoringHere = movedAway.movedTo("a", NOW, NOW);
        assertEquals(Verdict.RESTORER, LocalOwnership.decide(Optional.of(restoringHere), desired));
        OwnershipRecord lost = desired.lost("node a lost; no node fits", NOW, NOW);
        assertEquals(Verdict.RECLAIM, LocalOwnership.decide(Optional.of(lost), desired));
        // lost after it had moved to b: b's history is newer than this copy, which must go
        assertEquals(Verdict.REMOVE_LOCAL, LocalOwnership.decide(Optional.of(movedAway.lost("b lost", NOW, NOW)),
                desired));
    }

    @Test
    void aReclaimedRecordRunsHereOneEpochLaterAndAnUpdateKeepsTheHistory() throws Exception {
        OwnershipRecord desired = LocalOwnership.desired(container(Map.of()), Optional.of(policy(false, Map.of())),
                "a", "amd64", "4.1", NOW);
        OwnershipRecord lost = desired.lost("node a lost", NOW, NOW);
        OwnershipRecord back = LocalOwnership.reclaimed(lost, desired, NOW);
        assertEquals("a", back.node());
        assertEquals(lost.epoch() + 1, back.epoch());
        assertEquals(OwnershipRecord.State.RUNNING, back.state());
        OwnershipRecord restored = desired.movedTo("b", NOW, NOW).running(7, "", NOW);
        OwnershipRecord updated = LocalOwnership.updated(restored, LocalOwnership.desired(container(Map.of()),
                Optional.empty(), "b", "amd64", "4.1", NOW), NOW);
        assertEquals(2, updated.epoch());
        assertEquals(7, updated.restoredVersion());
        assertEquals("a", updated.fromNode());
        assertFalse(updated.isProtected());
    }
}
