package io.hydra.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Bad input to a cluster, on one two-node cluster: start-up refusals (an etcd that cannot be reached, a node id a
 * live daemon holds, a scheduler that does not exist) exit non-zero promptly with an error naming the problem,
 * and a protected container whose constraint no surviving node satisfies stays lost with the reason.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterBadInputTest {
    /** A refusal must come well before this: a daemon still running then has hung. */
    private static final Duration PROMPT = Duration.ofSeconds(45);
    private static Cluster cluster;

    @BeforeAll
    static void cluster() throws Exception {
        cluster = Cluster.create("bad-input", 2).startAll();
    }

    @AfterAll
    static void down() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void anUnreachableEtcdAtStartUpIsAClearErrorOrASingleNodeWhenSoConfigured() throws Exception {
        ClusterNode spare = cluster.addNode("spare", 10, List.of(), List.of());
        // a port on the hub where nothing listens
        String nowhere = "etcd://" + cluster.etcd().host() + ":1";
        ClusterNode.Result refused = spare.runDaemonExpectingExit(List.of("hydra.cluster=" + nowhere), PROMPT);
        assertNotEquals(0, refused.code(), refused.out());
        assertTrue(refused.out().contains(cluster.etcd().host() + ":1"), "the error names the endpoint: "
                + ClusterNode.tail(refused.out(), 3000));

        ClusterNode fallback = cluster.addNode("fallback", 11, List.of(),
                List.of("hydra.cluster=" + nowhere, "hydra.cluster.single-node-fallback=true")).start();
        String info = fallback.ok("info").out();
        assertTrue(info.contains(cluster.etcd().host() + ":1"), "info gives the reason it runs alone: " + info);
        fallback.close();
    }

    @Test
    @Order(2)
    void aNodeIdHeldByALiveDaemonIsRefused() throws Exception {
        ClusterNode impostor = cluster.addNode(cluster.node(1).id, 12, List.of(), List.of());
        ClusterNode.Result refused = impostor.runDaemonExpectingExit(List.of(), PROMPT);
        assertNotEquals(0, refused.code(), refused.out());
        assertTrue(refused.out().contains("'" + cluster.node(1).id + "'")
                        || refused.out().contains("\"" + cluster.node(1).id + "\"")
                        || refused.out().contains(" " + cluster.node(1).id + " "),
                "the error names the node id: " + ClusterNode.tail(refused.out(), 3000));
        // the live holder is untouched
        assertEquals("ready", cluster.node(2).nodes().get(cluster.node(1).id).get("status").asText());
        assertEquals(cluster.node(1).address(), cluster.node(2).nodes().get(cluster.node(1).id).get("address")
                .asText());
    }

    @Test
    @Order(3)
    void anUnknownSchedulerIsRefusedListingTheKnownOnes() throws Exception {
        ClusterNode spare = cluster.addNode("odd-scheduler", 13, List.of(), List.of("hydra.scheduler=nosuch"));
        ClusterNode.Result refused = spare.runDaemonExpectingExit(List.of(), PROMPT);
        assertNotEquals(0, refused.code(), refused.out());
        String out = refused.out();
        assertTrue(out.contains("nosuch") && out.contains("spread") && out.contains("binpack")
                && out.contains("least-loaded"), "the error names it and the known ones: " + ClusterNode.tail(out, 3000));
        assertTrue(!cluster.node(1).nodes().containsKey("odd-scheduler"), "the refused node never joined");
    }

    @Test
    @Order(4)
    void aConstraintNoSurvivorSatisfiesLeavesTheContainerLostWithTheReason() throws Exception {
        ClusterNode a = cluster.node(1);
        ClusterNode b = cluster.node(2);
        a.ok(Counter.runArgs("pinned", cluster.rootfs(), "--constraint", "zone=z1"));
        a.ok("policy", "pinned", "--every", "1s", "--keep", "3", "--constraint", "zone=z1");
        String id = a.inspect("pinned").get("id").asText();
        Protected.awaitVersions(a, "pinned", 1);

        a.killWholeNode();
        Shell.await(Duration.ofSeconds(20), "pinned reported lost on " + b.id, () -> b.hydra("inspect", "pinned")
                .code() == 0 && b.inspect("pinned").path("status").asText().equals("lost"));
        JsonNode lost = b.inspect("pinned");
        assertTrue(lost.toString().contains("zone=z1"), "inspect gives the reason (the constraint): " + lost);
        Shell.await(Duration.ofSeconds(10), "a container.lost event for pinned",
                () -> !Protected.events(cluster, "io.hydra.container.lost", id).isEmpty());
        JsonNode event = Protected.events(cluster, "io.hydra.container.lost", id).get(0);
        assertTrue(event.path("data").toString().contains("zone=z1"), "the event gives the reason: " + event);
        // and it stays lost: nothing restores it on the node that does not satisfy its constraint
        Shell.holdsFor(Duration.ofSeconds(5), "pinned never runs on " + b.id,
                () -> Protected.liveCopies(cluster, id) == 0 && !Protected.runcStatus(b, id).equals("running"));
    }
}
