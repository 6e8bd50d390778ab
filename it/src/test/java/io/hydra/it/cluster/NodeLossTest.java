package io.hydra.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Whole nodes lost (daemon, lease keeper, conmons and containers SIGKILLed together), on one four-node cluster:
 * first one node, whose protected containers run elsewhere from their newest complete version (walking back past
 * a version damaged on purpose) while its unprotected one is reported lost; then two nodes at once, whose
 * containers all end on the survivor, exactly once each.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeLossTest {
    /** TTL 3 s + grace 0.5 s + a small restore, with room for a shared 2-core machine. */
    private static final Duration FAILOVER = Duration.ofSeconds(20);
    private static Cluster cluster;

    @BeforeAll
    static void cluster() throws Exception {
        cluster = Cluster.create("node-loss", 4).startAll();
    }

    @AfterAll
    static void down() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aLostNodesProtectedContainersRunElsewhereFromTheirNewestRestorableVersion() throws Exception {
        ClusterNode a = cluster.node(1);
        String first = Protected.counter(cluster, a, "first", "1s");
        String second = Protected.counter(cluster, a, "second", "1s");
        // checkpoints only when asked (the policy's interval is longer than the test): its versions are known
        String walk = Protected.counter(cluster, a, "walk", "1h");
        a.ok(Counter.runArgs("plain", cluster.rootfs()));
        // a container from an image: its layers are in the shared store, its writable layer travels in the checkpoint
        a.ok("image", "import", io.hydra.it.OciImages.busybox(cluster.dir().resolve("busybox"), "1").toString());
        String ref = a.ok("images", "--format", "json").json().get(0).path("ref").asText();
        a.ok("run", "-d", "--name", "imaged", ref, "sh", "-c", "echo from-a > /written; " + Counter.SCRIPT);
        a.ok("policy", "imaged", "--every", "1s", "--keep", "3");
        String imaged = a.inspect("imaged").get("id").asText();
        Protected.awaitVersions(a, "imaged", 1);
        Protected.awaitVersions(a, "first", 1);
        Protected.awaitVersions(a, "second", 1);

        a.ok("checkpoint", "--leave-running", "walk");
        long walkFirst = Counter.last(Counter.ticks(a.logs("walk")));
        Shell.await(Duration.ofSeconds(10), "walk counting on", () -> Counter.last(Counter.ticks(a.logs("walk")))
                > walkFirst + 5);
        a.ok("checkpoint", "--leave-running", "walk");
        List<Long> walkVersions = Protected.versions(a, "walk");
        assertTrue(walkVersions.size() >= 2, "two versions of walk: " + walkVersions);
        long newest = walkVersions.get(walkVersions.size() - 1);
        long previous = walkVersions.get(walkVersions.size() - 2);
        new StoredVersions(cluster.s3().bucketDir(), walk).corruptUniqueChunk(newest);

        // the newest checkpoint of "first": its counter was at least this when the dump began
        long atCheckpoint = Counter.last(Counter.ticks(a.logs("first")));
        a.ok("checkpoint", "--leave-running", "first");
        double killedAt = System.currentTimeMillis() / 1000.0;
        long killedNanos = System.nanoTime();
        a.killWholeNode();

        ClusterNode to = Protected.awaitRunningElsewhere(cluster, "first", a, FAILOVER);
        long tookMs = (System.nanoTime() - killedNanos) / 1_000_000;
        System.out.println("failover of 'first' from " + a.id + " to " + to.id + ": running after " + tookMs + " ms");
        List<Counter.Tick> after = Counter.stampedTicks(to.stampedLogs("first")).stream().filter(t -> t.at() > killedAt)
                .toList();
        assertFalse(after.isEmpty(), "the moved copy prints");
        assertTrue(after.get(0).value() > atCheckpoint, "the counter goes on from its checkpointed value ("
                + atCheckpoint + "), not from scratch: " + after.get(0));

        ClusterNode secondTo = Protected.awaitRunningElsewhere(cluster, "second", a, FAILOVER);
        ClusterNode walkTo = Protected.awaitRunningElsewhere(cluster, "walk", a, FAILOVER);
        ClusterNode imagedTo = Protected.awaitRunningElsewhere(cluster, "imaged", a, FAILOVER);
        assertEquals(ref, imagedTo.inspect("imaged").path("image").asText(), "still the image's container");
        assertEquals("from-a\n", imagedTo.ok("exec", "imaged", "cat", "/written").out(),
                "its writable layer came with it");
        for (String id : List.of(first, second, walk, imaged)) {
            assertEquals(1, Protected.liveCopies(cluster, id), "one live copy of " + id);
        }

        // the events: failed over with both nodes, the version and the time since the loss
        JsonNode moved = awaitOne("io.hydra.container.failed-over", first);
        assertEquals(a.id, moved.path("data").path("from").asText(), moved.toString());
        assertEquals(to.id, moved.path("data").path("to").asText(), moved.toString());
        assertTrue(moved.path("data").has("version") && moved.path("data").has("msSinceLoss")
                && moved.path("data").has("epoch"), moved.toString());
        JsonNode walked = awaitOne("io.hydra.container.failed-over", walk);
        assertEquals(previous, walked.path("data").path("version").asLong(),
                "the damaged newest version " + newest + " is walked past: " + walked);
        assertEquals(walkTo.id, walked.path("data").path("to").asText());
        assertEquals(secondTo.id, awaitOne("io.hydra.container.failed-over", second).path("data").path("to").asText());

        // the node is lost in every survivor's view; its unprotected container is lost, not restored
        ClusterNode survivor = cluster.node(2);
        Shell.await(Duration.ofSeconds(10), a.id + " lost in " + survivor.id + "'s view",
                () -> survivor.nodes().get(a.id).get("status").asText().equals("lost"));
        JsonNode plain = survivor.inspect("plain");
        assertEquals("lost", plain.get("status").asText(), plain.toString());
        assertEquals(a.id, plain.get("node").asText(), plain.toString());
        assertFalse(plain.path("protected").asBoolean(), plain.toString());
        assertTrue(to.inspect("first").path("protected").asBoolean(), "still protected where it moved");
        assertEquals(to.id, to.inspect("first").path("node").asText());
        assertFalse(cluster.events("io.hydra.node.lost").stream()
                .noneMatch(e -> e.toString().contains("\"" + a.id + "\"")), "a node.lost event names " + a.id);
        assertFalse(cluster.events("io.hydra.container.lost").isEmpty(), "a container.lost event for 'plain'");
    }

    @Test
    @Order(2)
    void twoNodesLostAtOnceEndOnTheSurvivorExactlyOnceEach() throws Exception {
        ClusterNode b = cluster.node(2);
        ClusterNode c = cluster.node(3);
        ClusterNode survivor = cluster.node(4);
        String onB = Protected.counter(cluster, b, "on-b", "1s");
        String onC = Protected.counter(cluster, c, "on-c", "1s");
        Protected.awaitVersions(b, "on-b", 1);
        Protected.awaitVersions(c, "on-c", 1);
        Map<String, String> ids = new java.util.TreeMap<>(Map.of("on-b", onB, "on-c", onC));
        // what the first test moved onto b or c moves again
        for (String name : List.of("first", "second", "walk")) {
            ClusterNode on = Protected.runningOn(cluster, name).orElseThrow(() -> new AssertionError(name + " runs"));
            ids.put(name, on.inspect(name).get("id").asText());
        }

        b.killWholeNode();
        c.killWholeNode();

        for (String name : ids.keySet()) {
            ClusterNode on = Protected.awaitRunningElsewhere(cluster, name, b, FAILOVER);
            assertEquals(survivor, on, name + " runs on the survivor");
            assertEquals(1, Protected.liveCopies(cluster, ids.get(name)), "one live copy of " + name);
        }
        Shell.await(Duration.ofSeconds(10), "both lost in the survivor's view", () -> {
            Map<String, JsonNode> view = survivor.nodes();
            return view.get(b.id).get("status").asText().equals("lost")
                    && view.get(c.id).get("status").asText().equals("lost");
        });
        // exactly once: one failed-over event per container for this loss, on the survivor
        for (String name : List.of("on-b", "on-c")) {
            List<JsonNode> moves = Protected.events(cluster, "io.hydra.container.failed-over", ids.get(name));
            assertEquals(1, moves.size(), name + " failed over once: " + moves);
            assertNotEquals(survivor.id, moves.get(0).path("data").path("from").asText());
        }
    }

    private static JsonNode awaitOne(String type, String id) throws Exception {
        Shell.await(Duration.ofSeconds(10), type + " for " + id,
                () -> !Protected.events(cluster, type, id).isEmpty());
        List<JsonNode> events = Protected.events(cluster, type, id);
        assertEquals(1, events.size(), "exactly one " + type + " for " + id + ": " + events);
        return events.get(0);
    }
}
