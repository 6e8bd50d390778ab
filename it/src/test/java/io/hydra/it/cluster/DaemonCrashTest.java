package io.hydra.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A dead daemon on a live node is not a lost node: its lease keeper (outside the daemon) keeps the node alive, so
 * whether the daemon comes back at once or after 20 s, nothing moves, its containers keep running (the counter
 * never restarts), and no cluster event is raised. One three-node cluster for both cases.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonCrashTest {
    private static final Set<String> CLUSTER_EVENTS = Set.of("io.hydra.node.lost", "io.hydra.node.joined",
            "io.hydra.container.failed-over", "io.hydra.container.lost");
    private static Cluster cluster;
    private static ClusterNode a;
    private static String protectedId;

    @BeforeAll
    static void cluster() throws Exception {
        cluster = Cluster.create("daemon-crash", 3).startAll();
        a = cluster.node(1);
        protectedId = Protected.counter(cluster, a, "kept", "1s");
        a.ok(Counter.runArgs("plain", cluster.rootfs()));
        Protected.awaitVersions(a, "kept", 1);
    }

    @AfterAll
    static void down() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aDaemonSigkilledAndRestartedAtOnceMovesNothing() throws Exception {
        crashAndComeBack(Duration.ZERO);
    }

    @Test
    @Order(2)
    void aDaemonKeptDownFor20SecondsMovesNothing() throws Exception {
        crashAndComeBack(Duration.ofSeconds(20));
    }

    private void crashAndComeBack(Duration down) throws Exception {
        Map<String, Long> pids = new HashMap<>();
        for (String name : List.of("kept", "plain")) {
            pids.put(name, a.inspect(name).get("pid").asLong());
        }
        Map<ClusterNode, Integer> eventsBefore = new HashMap<>();
        cluster.nodes().forEach(n -> eventsBefore.put(n, n.events().size()));
        Set<Long> keepers = a.keeperPids();
        assertTrue(!keepers.isEmpty(), "node " + a.id + " has a lease keeper outside its daemon" + cluster.diagnostics());

        a.killDaemon();
        ClusterNode b = cluster.node(2);
        // while it is down (a deadline, polled throughout): the node stays ready, the containers run, nothing moves
        Shell.holdsFor(down.plus(Duration.ofMillis(200)), a.id + " ready, its containers alive and owned by it", () -> {
            JsonNode view = b.nodes().get(a.id);
            return view != null && view.get("status").asText().equals("ready")
                    && pids.values().stream().allMatch(NodeProcesses::alive)
                    && keepers.stream().anyMatch(NodeProcesses::alive)
                    && Protected.liveCopies(cluster, protectedId) == 1;
        });
        a.start();

        for (String name : List.of("kept", "plain")) {
            JsonNode state = a.inspect(name);
            assertEquals("running", state.get("status").asText(), name + " after the restart");
            assertEquals(pids.get(name).longValue(), state.get("pid").asLong(), name + " is the same process");
            assertEquals(a.id, state.get("node").asText(), name + " has not moved");
        }
        // the counter never restarted: its output counts on without a reset, and on past the restart
        long before = Counter.last(Counter.ticks(a.logs("kept")));
        Shell.await(Duration.ofSeconds(10), "the counter going on after the restart",
                () -> Counter.last(Counter.ticks(a.logs("kept"))) > before);
        List<Counter.Tick> ticks = Counter.ticks(a.logs("kept"));
        for (int i = 1; i < ticks.size(); i++) {
            assertEquals(ticks.get(i - 1).value() + 1, ticks.get(i).value(), "no reset or gap at line " + i);
        }
        for (ClusterNode node : cluster.nodes()) {
            List<JsonNode> fresh = node.events().subList(eventsBefore.get(node), node.events().size());
            for (JsonNode e : fresh) {
                assertTrue(!CLUSTER_EVENTS.contains(e.path("type").asText()),
                        "no cluster event after a daemon crash, but " + node.id + " has " + e);
            }
        }
        assertEquals(1, Protected.liveCopies(cluster, protectedId));
    }
}
