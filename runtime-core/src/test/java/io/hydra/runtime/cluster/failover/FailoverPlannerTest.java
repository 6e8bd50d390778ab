package io.hydra.runtime.cluster.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.Placement;
import io.hydra.spi.scheduler.PlacementRequest;
import io.hydra.spi.scheduler.Scheduler;

class FailoverPlannerTest {
    private static final long GB = 1L << 30;
    private static final Duration GRACE = Duration.ofMillis(500);
    private static final Instant LOST_AT = Instant.parse("2026-12-02T05:00:00Z");
    private static final Instant AFTER_GRACE = LOST_AT.plusMillis(600);

    private final FirstFitScheduler scheduler = new FirstFitScheduler();
    private final FailoverPlanner planner = new FailoverPlanner(scheduler, GRACE);

    static NodeRecord node(String id, long freeMemory, Map<String, String> labels) {
        return new NodeRecord(id, id + ":7070", labels, 4 * GB, freeMemory, 4000, 4000, 0, "amd64", "6.1", "4.2",
                Set.of(), LOST_AT.minusSeconds(60), LOST_AT.minusSeconds(1), null);
    }

    static OwnershipRecord record(String id, String node, State state, boolean isProtected, long memory,
                                  Map<String, String> constraints, String rootfs) {
        return new OwnershipRecord(id, "name-" + id, node, 3, state, isProtected, isProtected ? 2000 : 0,
                isProtected ? 3 : 0, constraints, memory, 0, "", rootfs, "amd64", "4.2", "", null, 0, "",
                LOST_AT.minusSeconds(30));
    }

    static Ownerships.Versioned versioned(OwnershipRecord r) {
        return new Ownerships.Versioned(r, 17);
    }

    private List<FailoverAction> plan(List<OwnershipRecord> records, List<NodeRecord> live, Instant now,
                                      boolean retryLost, Map<String, Set<String>> holders) {
        return planner.plan(new FailoverPlanner.View(records.stream().map(FailoverPlannerTest::versioned).toList(),
                LiveNodes.of(live), Map.of("a", LOST_AT), holders, retryLost, now));
    }

    private List<FailoverAction> plan(List<OwnershipRecord> records, List<NodeRecord> live, Instant now) {
        return plan(records, live, now, false, Map.of());
    }

    @Test
    void protectedContainerOfALostNodeMovesToALiveNodeOnceTheGraceHasPassed() {
        OwnershipRecord r = record("c1", "a", State.RUNNING, true, GB, Map.of(), "");
        List<FailoverAction> actions = plan(List.of(r), List.of(node("b", 2 * GB, Map.of())), AFTER_GRACE);

        FailoverAction.Move move = assertInstanceOf(FailoverAction.Move.class, actions.get(0));
        assertEquals(1, actions.size());
        assertEquals("b", move.target());
        assertEquals(LOST_AT, move.lostAt());
        assertEquals(17, move.current().version());
        PlacementRequest asked = scheduler.asked().get(0);
        assertEquals(Optional.of("a"), asked.avoidNode());
        assertEquals(GB, asked.memoryBytes());
        assertEquals("4.2", asked.criuVersion());
        assertEquals("amd64", asked.arch());
    }

    @Test
    void nothingMovesWithinTheGrace() {
        OwnershipRecord r = record("c1", "a", State.RUNNING, true, GB, Map.of(), "");
        assertEquals(List.of(), plan(List.of(r), List.of(node("b", 2 * GB, Map.of())), LOST_AT.plusMillis(499)));
    }

    @Test
    void nothingMovesForANodeNotYetRecordedLost() {
        OwnershipRecord r = record("c1", "x", State.RUNNING, true, GB, Map.of(), "");
        assertEquals(List.of(), plan(List.of(r), List.of(node("b", 2 * GB, Map.of())), AFTER_GRACE));
    }

    @Test
    void containersOfLiveNodesStayWhereTheyAre() {
        OwnershipRecord running = record("c1", "b", State.RUNNING, true, GB, Map.of(), "");
        OwnershipRecord restoring = record("c2", "b", State.RESTORING, true, GB, Map.of(), "");
        assertEquals(List.of(), plan(List.of(running, restoring), List.of(node("b", 2 * GB, Map.of())),
                AFTER_GRACE));
    }

    @Test
    void anUnprotectedContainerOfALostNodeIsLostAndSaysWhy() {
        OwnershipRecord r = record("c1", "a", State.RUNNING, false, 0, Map.of(), "");
        FailoverAction.Lose lose = assertInstanceOf(FailoverAction.Lose.class,
                plan(List.of(r), List.of(node("b", 2 * GB, Map.of())), AFTER_GRACE).get(0));
        assertEquals("node a lost; not protected", lose.reason());
        assertTrue(scheduler.asked().isEmpty(), "an unprotected container is not placed");
    }

    @Test
    void aConstraintNoNodeSatisfiesLosesTheContainerWithTheSchedulersReason() {
        OwnershipRecord r = record("c1", "a", State.RUNNING, true, 0, Map.of("disk", "ssd"), "");
        FailoverAction.Lose lose = assertInstanceOf(FailoverAction.Lose.class,
                plan(List.of(r), List.of(node("b", 2 * GB, Map.of("disk", "hdd"))), AFTER_GRACE).get(0));
        assertEquals("node a lost; no node can take it: b: no label disk=ssd", lose.reason());
    }

    @Test
    void aContainerWhoseTargetDiedMidRestoreMovesAgain() {
        OwnershipRecord r = record("c1", "a", State.RESTORING, true, 0, Map.of(), "");
        FailoverAction.Move move = assertInstanceOf(FailoverAction.Move.class,
                plan(List.of(r), List.of(node("b", 2 * GB, Map.of())), AFTER_GRACE).get(0));
        assertEquals("b", move.target());
    }

    @Test
    void lostProtectedContainersArePlacedAgainOnlyWhenAskedTo() {
        OwnershipRecord lost = record("c1", "a", State.LOST, true, 0, Map.of("disk", "ssd"), "");
        List<NodeRecord> live = List.of(node("b", 2 * GB, Map.of("disk", "ssd")));
        assertEquals(List.of(), plan(List.of(lost), live, AFTER_GRACE, false, Map.of()));

        FailoverAction.Move move = assertInstanceOf(FailoverAction.Move.class,
                plan(List.of(lost), live, AFTER_GRACE, true, Map.of()).get(0));
        assertEquals("b", move.target());
        assertEquals(Optional.of("a"), scheduler.asked().get(0).avoidNode(), "its node is still away");
    }

    @Test
    void aLostProtectedContainerThatStillFitsNowhereStaysAsItIs() {
        OwnershipRecord lost = record("c1", "a", State.LOST, true, 0, Map.of("disk", "ssd"), "");
        assertEquals(List.of(), plan(List.of(lost), List.of(node("b", 2 * GB, Map.of())), AFTER_GRACE, true,
                Map.of()));
    }

    @Test
    void aLostUnprotectedContainerIsNeverPlaced() {
        OwnershipRecord lost = record("c1", "a", State.LOST, false, 0, Map.of(), "");
        assertEquals(List.of(), plan(List.of(lost), List.of(node("b", 2 * GB, Map.of())), AFTER_GRACE, true,
                Map.of()));
    }

    @Test
    void aLostContainerWhoseNodeIsBackMayGoThere() {
        OwnershipRecord lost = record("c1", "b", State.LOST, true, 0, Map.of(), "");
        FailoverAction.Move move = assertInstanceOf(FailoverAction.Move.class,
                plan(List.of(lost), List.of(node("b", 2 * GB, Map.of())), AFTER_GRACE, true, Map.of()).get(0));
        assertEquals("b", move.target());
        assertEquals(Optional.empty(), scheduler.asked().get(0).avoidNode());
    }

    @Test
    void onePassCountsWhatItPlacedAgainstEachNode() {
        // each node has room for one of them: placed against the advertised free memory, both would go to b
        OwnershipRecord c1 = record("c1", "a", State.RUNNING, true, 3 * GB / 2, Map.of(), "");
        OwnershipRecord c2 = record("c2", "a", State.RUNNING, true, 3 * GB / 2, Map.of(), "");
        OwnershipRecord c3 = record("c3", "a", State.RUNNING, true, 3 * GB / 2, Map.of(), "");
        List<FailoverAction> actions = plan(List.of(c1, c2, c3),
                List.of(node("b", 2 * GB, Map.of()), node("c", 2 * GB, Map.of())), AFTER_GRACE);

        assertEquals("b", assertInstanceOf(FailoverAction.Move.class, actions.get(0)).target());
        assertEquals("c", assertInstanceOf(FailoverAction.Move.class, actions.get(1)).target());
        FailoverAction.Lose third = assertInstanceOf(FailoverAction.Lose.class, actions.get(2));
        assertTrue(third.reason().contains("b: not enough free memory"), third.reason());
    }

    @Test
    void twoNodesLostAtOnceAllTheirProtectedContainersMove() {
        OwnershipRecord ofA = record("c1", "a", State.RUNNING, true, 0, Map.of(), "");
        OwnershipRecord ofD = record("c2", "d", State.RUNNING, true, 0, Map.of(), "");
        List<FailoverAction> actions = planner.plan(new FailoverPlanner.View(List.of(versioned(ofA), versioned(ofD)),
                LiveNodes.of(List.of(node("b", 2 * GB, Map.of()))), Map.of("a", LOST_AT, "d", LOST_AT), Map.of(),
                false, AFTER_GRACE));
        assertEquals(2, actions.size());
        actions.forEach(a -> assertEquals("b", assertInstanceOf(FailoverAction.Move.class, a).target()));
        assertEquals(Optional.of("d"), scheduler.asked().get(1).avoidNode());
    }

    @Test
    void aRootfsContainerGoesOnlyWhereItsDirectoryIs() {
        OwnershipRecord r = record("c1", "a", State.RUNNING, true, 0, Map.of(), "/srv/app");
        List<NodeRecord> live = List.of(node("b", 2 * GB, Map.of()), node("c", 2 * GB, Map.of()));
        assertEquals(Set.of("/srv/app"), planner.rootfsToProbe(List.of(versioned(r)), LiveNodes.of(live), false));

        FailoverAction.Move move = assertInstanceOf(FailoverAction.Move.class,
                plan(List.of(r), live, AFTER_GRACE, false, Map.of("/srv/app", Set.of("c"))).get(0));
        assertEquals("c", move.target());
        assertEquals(Set.of("c"), scheduler.asked().get(0).nodesWithRootfs());
        assertEquals(Optional.of("/srv/app"), scheduler.asked().get(0).rootfs());
    }

    @Test
    void onlyContainersThatMayMoveHaveTheirRootfsAskedAbout() {
        OwnershipRecord onLive = record("c1", "b", State.RUNNING, true, 0, Map.of(), "/srv/one");
        OwnershipRecord unprotected = record("c2", "a", State.RUNNING, false, 0, Map.of(), "/srv/two");
        OwnershipRecord lost = record("c3", "a", State.LOST, true, 0, Map.of(), "/srv/three");
        LiveNodes live = LiveNodes.of(List.of(node("b", 2 * GB, Map.of())));
        List<Ownerships.Versioned> all = List.of(versioned(onLive), versioned(unprotected), versioned(lost));
        assertEquals(Set.of(), planner.rootfsToProbe(all, live, false));
        assertEquals(Set.of("/srv/three"), planner.rootfsToProbe(all, live, true));
    }

    @Test
    void aSchedulerThatChoosesTheLostNodeIsOverruled() {
        Scheduler wrong = new Scheduler() {
            @Override
            public String name() {
                return "wrong";
            }

            @Override
            public Placement place(PlacementRequest request, List<NodeView> liveNodes) {
                return Placement.on("a");
            }
        };
        OwnershipRecord r = record("c1", "a", State.RUNNING, true, 0, Map.of(), "");
        List<FailoverAction> actions = new FailoverPlanner(wrong, GRACE).plan(new FailoverPlanner.View(
                List.of(versioned(r)), LiveNodes.of(List.of(node("b", 2 * GB, Map.of()))), Map.of("a", LOST_AT),
                Map.of(), false, AFTER_GRACE));
        FailoverAction.Lose lose = assertInstanceOf(FailoverAction.Lose.class, actions.get(0));
        assertTrue(lose.reason().contains("the scheduler wrong chose node a, which is not a live node it may use"),
                lose.reason());
    }
}
