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
import org.junit.jupiter.api.Test;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;

/** The controller on a real etcd through the real etcd cluster plugin, with nodes that join and are lost. */
class FailoverControllerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(15);

    private final EtcdCluster cluster = new EtcdCluster();
    private final List<HydraEvent> events = new CopyOnWriteArrayList<>();
    private final List<FailoverController> controllers = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        controllers.forEach(FailoverController::close);
        cluster.close();
    }

    private FailoverController controller(EtcdCluster.Node on) {
        return controller(on, EtcdCluster.GRACE);
    }

    private FailoverController controller(EtcdCluster.Node on, Duration grace) {
        FailoverController c = new FailoverController(on.coordinator(), new Ownerships(on.coordinator()),
                new FirstFitScheduler(), (peers, paths, deadline) -> Map.of(), events::add,
                EtcdCluster.settings(grace), on.id());
        controllers.add(c);
        c.start();
        return c;
    }

    private static OwnershipRecord record(String id, String node, State state, boolean isProtected,
                                          Map<String, String> constraints) {
        return new OwnershipRecord(id, "name-" + id, node, 1, state, isProtected, isProtected ? 2000 : 0,
                isProtected ? 3 : 0, constraints, 0, 0, "", "", "amd64", "4.2", "", null, 0, "", Instant.now());
    }

    private List<HydraEvent> events(String type, String subject) {
        return events.stream().filter(e -> e.type().equals(type) && e.subject().equals(subject)).toList();
    }

    @Test
    void aLostNodesProtectedContainerIsBoundToALiveNodeAndItsUnprotectedOneIsLost() {
        EtcdCluster.Node a = cluster.join("a", Map.of());
        EtcdCluster.Node b = cluster.join("b", Map.of());
        Ownerships owners = new Ownerships(b.coordinator());
        owners.create(record("c1", "a", State.RUNNING, true, Map.of()));
        owners.create(record("c2", "a", State.RUNNING, false, Map.of()));
        owners.create(record("c3", "b", State.RUNNING, true, Map.of()));
        FailoverController controller = controller(b);
        assertTrue(await(DEADLINE, controller::leading), "the only candidate is elected");
        assertTrue(await(DEADLINE, () -> events(EventType.NODE_JOINED, "a").size() == 1
                && events(EventType.NODE_JOINED, "b").size() == 1), "both joins announced: " + events);

        Instant lost = Instant.now();
        a.lose();

        assertTrue(await(DEADLINE, () -> owners.get("c1").map(v -> v.record().state() == State.RESTORING).orElse(false)
                && owners.get("c2").map(v -> v.record().state() == State.LOST).orElse(false)), "moved: " + owners.all());
        OwnershipRecord moved = owners.get("c1").orElseThrow().record();
        assertEquals("b", moved.node());
        assertEquals("a", moved.fromNode());
        assertEquals(2, moved.epoch());
        assertTrue(!moved.lostAt().isBefore(lost), "the loss is the controller's finding: " + moved.lostAt());
        assertTrue(!moved.updatedAt().isBefore(moved.lostAt().plus(EtcdCluster.GRACE)),
                "nothing moved within the grace");
        OwnershipRecord unprotected = owners.get("c2").orElseThrow().record();
        assertEquals("node a lost; not protected", unprotected.reason());
        assertEquals(2, unprotected.epoch(), "a stale owner cannot resume it");
        assertEquals(State.RUNNING, owners.get("c3").orElseThrow().record().state(), "a live node's stays");

        List<HydraEvent> nodeLost = events(EventType.NODE_LOST, "a");
        assertEquals(1, nodeLost.size(), events.toString());
        assertEquals(List.of("c1", "c2"), nodeLost.get(0).data().get("containers"));
        assertEquals(1, events(EventType.CONTAINER_LOST, "c2").size());
        assertEquals("node a lost; not protected", events(EventType.CONTAINER_LOST, "c2").get(0).data().get("reason"));
        assertEquals(List.of(), events(EventType.CONTAINER_LOST, "c1"));
        assertTrue(b.coordinator().get(NodeLedger.MEMBERS + "a").orElseThrow().value().contains("\"lostAt\":\""),
                "hydra nodes shows when it was lost");
    }

    @Test
    void aControllerThatDiesMidFailoverIsReplacedAndTheFailoverHappensOnce() {
        EtcdCluster.Node a = cluster.join("a", Map.of());
        EtcdCluster.Node b = cluster.join("b", Map.of());
        EtcdCluster.Node c = cluster.join("c", Map.of());
        Ownerships owners = new Ownerships(c.coordinator());
        owners.create(record("c1", "a", State.RUNNING, true, Map.of()));
        Duration grace = Duration.ofSeconds(3);
        FailoverController first = controller(b, grace);
        assertTrue(await(DEADLINE, first::leading));
        FailoverController second = controller(c, grace);
        assertTrue(await(DEADLINE, () -> events(EventType.NODE_JOINED, "c").size() == 1));

        a.lose();
        // the first controller announces the loss, then dies inside the grace, before it moved anything
        assertTrue(await(DEADLINE, () -> events(EventType.NODE_LOST, "a").size() == 1));
        Instant lostAt = Instant.parse((String) events(EventType.NODE_LOST, "a").get(0).data().get("lostAt"));
        first.close();
        assertTrue(Instant.now().isBefore(lostAt.plus(grace)), "the first controller died before it could move it");
        assertEquals(1, owners.get("c1").orElseThrow().record().epoch());
        assertTrue(await(DEADLINE, second::leading), "the other daemon is elected");

        assertTrue(await(DEADLINE, () -> owners.get("c1").map(v -> v.record().state() == State.RESTORING)
                .orElse(false)));
        OwnershipRecord moved = owners.get("c1").orElseThrow().record();
        assertEquals(2, moved.epoch(), "bound once");
        assertTrue(List.of("b", "c").contains(moved.node()));
        assertEquals(1, events(EventType.NODE_LOST, "a").size(), "the loss is announced once: " + events);
        assertEquals(1, events(EventType.NODE_JOINED, "b").size(), "a new controller announces no join again");
    }

    @Test
    void theControllersOwnNodeLostAnotherDaemonFinishesTheFailover() {
        EtcdCluster.Node a = cluster.join("a", Map.of());
        EtcdCluster.Node b = cluster.join("b", Map.of());
        Ownerships owners = new Ownerships(b.coordinator());
        owners.create(record("c1", "a", State.RUNNING, true, Map.of()));
        FailoverController onA = controller(a);
        assertTrue(await(DEADLINE, onA::leading));
        FailoverController onB = controller(b);

        onA.close();
        a.lose();

        assertTrue(await(DEADLINE, onB::leading));
        assertTrue(await(DEADLINE, () -> owners.get("c1").map(v -> v.record().node().equals("b")
                && v.record().state() == State.RESTORING).orElse(false)), owners.all().toString());
        assertEquals(1, events(EventType.NODE_LOST, "a").size());
    }

    @Test
    void aTargetThatDiesMidRestoreHasTheContainerMovedAgain() {
        EtcdCluster.Node a = cluster.join("a", Map.of());
        EtcdCluster.Node b = cluster.join("b", Map.of());
        EtcdCluster.Node c = cluster.join("c", Map.of());
        Ownerships owners = new Ownerships(c.coordinator());
        // already bound to b by an earlier failover, which b never finished
        owners.create(new OwnershipRecord("c1", "name-c1", "b", 2, State.RESTORING, true, 2000, 3, Map.of(), 0, 0,
                "", "", "amd64", "4.2", "a", Instant.now(), 0, "", Instant.now()));
        FailoverController controller = controller(c);
        assertTrue(await(DEADLINE, controller::leading));
        a.lose();
        b.lose();

        assertTrue(await(DEADLINE, () -> owners.get("c1").map(v -> v.record().node().equals("c")).orElse(false)),
                owners.all().toString());
        OwnershipRecord moved = owners.get("c1").orElseThrow().record();
        assertEquals(3, moved.epoch());
        assertEquals("b", moved.fromNode());
        assertEquals(1, events(EventType.NODE_LOST, "a").size());
        assertEquals(1, events(EventType.NODE_LOST, "b").size());
    }

    @Test
    void aLostContainerWaitingForALabelIsPlacedWhenANodeWithItJoins() {
        EtcdCluster.Node a = cluster.join("a", Map.of("disk", "ssd"));
        EtcdCluster.Node b = cluster.join("b", Map.of());
        Ownerships owners = new Ownerships(b.coordinator());
        owners.create(record("c1", "a", State.RUNNING, true, Map.of("disk", "ssd")));
        FailoverController controller = controller(b);
        assertTrue(await(DEADLINE, controller::leading));
        a.lose();

        assertTrue(await(DEADLINE, () -> owners.get("c1").map(v -> v.record().state() == State.LOST).orElse(false)));
        String reason = owners.get("c1").orElseThrow().record().reason();
        assertEquals("node a lost; no node can take it: b: no label disk=ssd", reason);
        assertEquals(reason, events(EventType.CONTAINER_LOST, "c1").get(0).data().get("reason"));

        cluster.join("d", Map.of("disk", "ssd"));
        assertTrue(await(DEADLINE, () -> owners.get("c1").map(v -> v.record().node().equals("d")
                && v.record().state() == State.RESTORING).orElse(false)), owners.all().toString());
        assertEquals(3, owners.get("c1").orElseThrow().record().epoch(), "lost is one epoch, the move another");
        assertEquals(1, events(EventType.NODE_JOINED, "d").size());
    }

    @Test
    void aReturningNodeIsAnnouncedJoinedOncePerJoin() {
        EtcdCluster.Node a = cluster.join("a", Map.of());
        EtcdCluster.Node b = cluster.join("b", Map.of());
        EtcdCluster.Node c = cluster.join("c", Map.of());
        FailoverController controller = controller(b);
        assertTrue(await(DEADLINE, () -> events(EventType.NODE_JOINED, "a").size() == 1
                && events(EventType.NODE_JOINED, "c").size() == 1));
        a.lose();
        assertTrue(await(DEADLINE, () -> events(EventType.NODE_LOST, "a").size() == 1));

        cluster.join("a", Map.of());
        assertTrue(await(DEADLINE, () -> events(EventType.NODE_JOINED, "a").size() == 2));
        assertEquals(true, events(EventType.NODE_JOINED, "a").get(1).data().get("returning"));
        // its record is rewritten on every change: that is no new join
        b.membership().update(io.hydra.runtime.cluster.ClusterJson.write(EtcdCluster.nodeRecord("b", Map.of("x", "1"))));
        // the controller handles member changes in order: once it announced c's later loss, it saw b's update
        c.lose();
        assertTrue(await(DEADLINE, () -> events(EventType.NODE_LOST, "c").size() == 1));
        assertTrue(controller.leading());
        assertEquals(1, events(EventType.NODE_JOINED, "b").size());
        assertEquals(2, events(EventType.NODE_JOINED, "a").size());
    }

    @Test
    void anEtcdOutageMovesNothingAndTheControllerActsAgainAfterIt() {
        EtcdCluster.Node a = cluster.join("a", Map.of());
        EtcdCluster.Node b = cluster.join("b", Map.of());
        EtcdCluster.Node c = cluster.join("c", Map.of());
        Ownerships owners = new Ownerships(b.coordinator());
        owners.create(record("c1", "a", State.RUNNING, true, Map.of()));
        owners.create(record("c2", "c", State.RUNNING, true, Map.of()));
        FailoverController controller = controller(b);
        assertTrue(await(DEADLINE, () -> controller.leading() && events(EventType.NODE_JOINED, "c").size() == 1));

        cluster.etcd().kill();
        // the outage lasts until every lease could have expired by its node's own reckoning
        assertTrue(await(DEADLINE, () -> Instant.now().isAfter(a.membership().liveUntil())
                && Instant.now().isAfter(c.membership().liveUntil())));
        cluster.etcd().restart();

        // etcd keeps the leases across its restart: a node lost after it is the first loss the controller sees
        assertTrue(await(DEADLINE, () -> b.coordinator().reachable(Duration.ofMillis(500))));
        c.lose();
        assertTrue(await(DEADLINE, () -> owners.get("c2").map(v -> v.record().state() == State.RESTORING)
                .orElse(false)), owners.all().toString());
        assertTrue(List.of("a", "b").contains(owners.get("c2").orElseThrow().record().node()));
        assertEquals(List.of(), events(EventType.NODE_LOST, "a"), "nobody was lost in the outage: " + events);
        OwnershipRecord untouched = owners.get("c1").orElseThrow().record();
        assertEquals("a", untouched.node());
        assertEquals(1, untouched.epoch());
        assertEquals(1, events(EventType.NODE_LOST, "c").size());
    }
}
