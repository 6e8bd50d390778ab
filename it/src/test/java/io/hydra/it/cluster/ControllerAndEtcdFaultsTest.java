package io.hydra.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The cluster's own faults, on one three-node cluster: etcd down and back (no node can reach it, so none may
 * freeze for good and nothing moves), then the controller's node lost while it is failing over another lost
 * node (a new controller finishes the failover, each container running exactly once).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerAndEtcdFaultsTest {
    private static Cluster cluster;

    @BeforeAll
    static void cluster() throws Exception {
        cluster = Cluster.create("faults", 3).startAll();
    }

    @AfterAll
    static void down() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void etcdStoppedAndStartedMovesNothingAndFreezesNothingForGood() throws Exception {
        ClusterNode a = cluster.node(1);
        String id = Protected.counter(cluster, a, "steady", "1s");
        Protected.awaitVersions(a, "steady", 1);
        long pid = a.inspect("steady").get("pid").asLong();
        int movesBefore = cluster.events("io.hydra.container.failed-over").size();

        long atStop = Counter.last(Counter.ticks(a.logs("steady")));
        cluster.etcd().kill();
        long atEnd;
        try {
            // longer than the lease's TTL (3 s) plus the grace: every node has seen the outage. The copy on a stays
            // (a policy checkpoint may freeze it for a moment), and no other node starts one
            Shell.holdsFor(Duration.ofSeconds(8), "the one copy, on " + a.id + ", during the outage",
                    () -> NodeProcesses.alive(pid) && cluster.nodes().stream().filter(n -> n != a)
                            .noneMatch(n -> Shell.unchecked(() -> !Protected.runcStatus(n, id).equals("absent"))
                                    .getAsBoolean()));
            atEnd = Counter.last(Counter.ticks(a.logs("steady")));
        } finally {
            cluster.etcd().restart();
        }

        cluster.awaitReady(3);
        Shell.await(Duration.ofSeconds(10), "steady running on " + a.id + " after the outage",
                () -> Protected.runcStatus(a, id).equals("running"));
        long afterRestart = Counter.last(Counter.ticks(a.logs("steady")));
        Shell.await(Duration.ofSeconds(10), "the counter going on after the outage",
                () -> Counter.last(Counter.ticks(a.logs("steady"))) > afterRestart + 5);
        assertTrue(atEnd > atStop, "the container ran during the outage: " + atStop + " then " + atEnd);
        JsonNode state = a.inspect("steady");
        assertEquals(pid, state.get("pid").asLong(), "the same process");
        assertEquals(a.id, state.get("node").asText());
        assertEquals(movesBefore, cluster.events("io.hydra.container.failed-over").size(), "nothing moved");
        List<Counter.Tick> ticks = Counter.ticks(a.logs("steady"));
        for (int i = 1; i < ticks.size(); i++) {
            assertEquals(ticks.get(i - 1).value() + 1, ticks.get(i).value(), "no restart of the counter");
        }
    }

    @Test
    @Order(2)
    void theControllersNodeLostMidFailoverIsReplacedAndTheFailoverFinishesExactlyOnce() throws Exception {
        ClusterNode leader = cluster.leader().orElseThrow(() -> new AssertionError("no leader"));
        List<ClusterNode> others = cluster.nodes().stream().filter(n -> n != leader).toList();
        ClusterNode lost = others.get(0);
        ClusterNode survivor = others.get(1);
        Map<String, String> ids = new TreeMap<>();
        for (int i = 1; i <= 4; i++) {
            ids.put("m" + i, Protected.counter(cluster, lost, "m" + i, "1s"));
        }
        for (String name : ids.keySet()) {
            Protected.awaitVersions(lost, name, 1);
        }

        lost.killWholeNode();
        // the controller has seen the loss (its failover begins after the grace): now the controller dies too
        Shell.await(Duration.ofSeconds(15), lost.id + " lost in " + leader.id + "'s view",
                () -> leader.nodes().get(lost.id).get("status").asText().equals("lost"));
        leader.killWholeNode();

        Shell.await(Duration.ofSeconds(20), survivor.id + " leads", () -> survivor.nodes().get(survivor.id)
                .path("leader").asBoolean());
        for (String name : ids.keySet()) {
            ClusterNode on = Protected.awaitRunningElsewhere(cluster, name, lost, Duration.ofSeconds(30));
            assertEquals(survivor, on, name + " runs on the only survivor");
            assertEquals(1, Protected.liveCopies(cluster, ids.get(name)), "exactly one copy of " + name);
        }
        // "steady" lived on node 1: if that was one of the two lost, it moved too
        if (cluster.node(1) != survivor) {
            assertEquals(survivor, Protected.awaitRunningElsewhere(cluster, "steady", cluster.node(1),
                    Duration.ofSeconds(30)));
        }
        assertEquals(1, Protected.liveCopies(cluster, survivor.inspect("steady").get("id").asText()));
        Map<String, JsonNode> view = survivor.nodes();
        assertEquals("lost", view.get(lost.id).get("status").asText());
        assertEquals("lost", view.get(leader.id).get("status").asText());
    }
}
