package io.hydra.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

import io.hydra.it.RedisRootfs;
import io.hydra.it.Resp;

/**
 * {@code hydra migrate} between two real daemons as nodes (etcd, S3Proxy, runc, conmon, CRIU): a counter moves in
 * each mode and counts on without a reset on the target, and is gone from the source; bad input moves nothing; and
 * either daemon SIGKILLed at a step of the move (the test-only crash points) ends, once it is back, with exactly
 * one running copy, where the events say it runs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationTest {
    private static final Duration MOVE = Duration.ofSeconds(90);
    private static Cluster cluster;
    private static ClusterNode a;
    private static ClusterNode b;
    private static String id;

    @BeforeAll
    static void cluster() throws Exception {
        cluster = Cluster.create("migrate", 2).startAll();
        a = cluster.node(1);
        b = cluster.node(2);
        a.ok(Counter.runArgs("mover", cluster.rootfs()));
        id = a.inspect("mover").get("id").asText();
        awaitOwnershipRecord(a);
    }

    @AfterAll
    static void down() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void stopAndCopyMovesTheCounterAndItCountsOnThere() throws Exception {
        long before = awaitTicks(a);
        JsonNode s = a.ok("migrate", "mover", "--to", b.id, "--mode", "stopcopy", "--format", "json").json();
        assertEquals("stopcopy", s.get("mode").asText());
        assertEquals(a.id, s.get("from").asText());
        assertEquals(b.id, s.get("to").asText());
        assertEquals(0, s.get("rounds").asInt());
        assertTrue(s.get("bytesMoved").asLong() > 0, "bytes moved: " + s);
        assertTrue(s.get("downtimeMs").asLong() > 0 && s.get("downtimeMs").asLong() <= s.get("totalMs").asLong(),
                "downtime within the total: " + s);
        assertMoved(a, b, before);
        JsonNode completed = lastEvent(a, "io.hydra.migration.completed");
        assertEquals(b.id, completed.at("/data/runsOn").asText());
        assertEquals(s.get("downtimeMs").asLong(), completed.at("/data/downtimeMs").asLong());
        assertTrue(!Protected.events(cluster, "io.hydra.migration.started", id).isEmpty());
    }

    @Test
    @Order(2)
    void preCopyRoundsMoveItBackAndSayWhyTheyStopped() throws Exception {
        long before = awaitTicks(b);
        JsonNode s = b.ok("migrate", "mover", "--to", a.id, "--mode", "precopy", "--max-rounds", "4",
                "--format", "json").json();
        assertEquals("precopy", s.get("mode").asText());
        int rounds = s.get("rounds").asInt();
        assertTrue(rounds >= 1 && rounds <= 4, "1 to 4 rounds: " + s);
        assertEquals(rounds, s.get("roundDetails").size());
        long lastVersion = 0;
        for (JsonNode round : s.get("roundDetails")) {
            assertTrue(round.get("version").asLong() > lastVersion, "versions grow: " + s);
            lastVersion = round.get("version").asLong();
            assertTrue(round.get("imageBytes").asLong() > 0 && !round.get("decision").asText().isEmpty(), s.toString());
        }
        assertTrue(s.get("version").asLong() > lastVersion, "the final dump is a version of its own: " + s);
        assertTrue(!s.get("decision").asText().isEmpty());
        assertMoved(b, a, before);
    }

    @Test
    @Order(3)
    void badInputIsRefusedByNameAndMovesNothing() throws Exception {
        long pid = a.inspect("mover").get("pid").asLong();
        assertRefused(a.hydra("migrate", "mover", "--to", "nowhere"), "unknown node 'nowhere'");
        assertRefused(a.hydra("migrate", "mover", "--to", a.id), "already runs on node " + a.id);
        assertRefused(a.hydra("migrate", "mover", "--to", b.id, "--mode", "teleport"), "teleport");
        assertRefused(a.hydra("migrate", "mover", "--to", b.id, "--threshold", "-5m"), "--threshold");
        assertRefused(a.hydra("migrate", "mover", "--to", b.id, "--max-rounds", "0"), "--max-rounds");
        assertRefused(a.hydra("migrate", "mover", "--to", b.id, "--tcp-established"), "--tcp-established");
        assertRefused(a.hydra("migrate", "nosuch", "--to", b.id), "nosuch");
        a.ok("run", "-d", "--name", "finished", "--rootfs", cluster.rootfs().toString(), "--", "true");
        Shell.await(Duration.ofSeconds(20), "the finished container exited",
                () -> a.inspect("finished").get("status").asText().equals("exited"));
        assertRefused(a.hydra("migrate", "finished", "--to", b.id), "only a running container");
        a.ok(Counter.runArgs("huge", cluster.rootfs(), "--memory", "100g"));
        assertRefused(a.hydra("migrate", "huge", "--to", b.id), "node " + b.id + " has no room for huge");
        a.ok("rm", "-f", "huge", "finished");
        assertEquals(pid, a.inspect("mover").get("pid").asLong(), "the same process runs on");
        assertEquals(1, Protected.liveCopies(cluster, id));
        assertJournalEmpty(a);
    }

    @Test
    @Order(4)
    void sourceSigkilledDuringTheRoundsKeepsItRunningThere() throws Exception {
        long pid = a.inspect("mover").get("pid").asLong();
        a.killDaemon();
        a.startWith("hydra-test.crash-at=checkpoint.committed");
        ClusterNode.Result r = a.hydra("migrate", "mover", "--to", b.id, "--mode", "precopy");
        assertNotEquals(0, r.code(), "the daemon halted mid-migration");
        assertEquals(137, a.awaitDaemonExit(Duration.ofSeconds(30)));
        a.start();
        JsonNode state = a.inspect("mover");
        assertEquals("running", state.get("status").asText());
        assertEquals(pid, state.get("pid").asLong(), "a leave-running round never stopped it");
        assertTrue(b.hydra("inspect", "mover").code() != 0, "nothing on the target");
        assertEquals(1, Protected.liveCopies(cluster, id));
        JsonNode failed = lastEvent(a, "io.hydra.migration.failed");
        assertEquals(a.id, failed.at("/data/runsOn").asText(), failed.toString());
        assertJournalEmpty(a);
        awaitOwnershipRecord(a);
    }

    @Test
    @Order(5)
    void sourceSigkilledRightAfterTheHandoverEndsOnTheTarget() throws Exception {
        long before = awaitTicks(a);
        a.killDaemon();
        a.startWith("hydra-test.crash-at=migration.handed-over");
        assertNotEquals(0, a.hydra("migrate", "mover", "--to", b.id, "--mode", "stopcopy").code());
        assertEquals(137, a.awaitDaemonExit(Duration.ofSeconds(30)));
        a.start();
        Shell.await(MOVE, "mover running on " + b.id, () -> Protected.runningOn(cluster, "mover")
                .map(n -> n == b).orElse(false));
        Shell.await(MOVE, "the restarted source reporting the migration completed",
                () -> !events(a, "io.hydra.migration.completed").isEmpty()
                        && events(a, "io.hydra.migration.completed").size() > 1);
        assertMoved(a, b, before);
        assertJournalEmpty(a);
    }

    @Test
    @Order(6)
    void targetSigkilledMidRestoreFinishesWhenItIsBack() throws Exception {
        long before = awaitTicks(b);
        awaitOwnershipRecord(b);
        a.killDaemon();
        a.startWith("hydra-test.crash-at=restore.monitor-launched");
        CompletableFuture<ClusterNode.Result> move = CompletableFuture.supplyAsync(() ->
                b.hydra("migrate", "mover", "--to", a.id, "--mode", "stopcopy", "--format", "json"));
        assertEquals(137, a.awaitDaemonExit(MOVE));
        a.start();
        ClusterNode.Result r = move.get(MOVE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.out() + r.err() + b.readLog());
        assertEquals(a.id, r.json().get("to").asText());
        assertMoved(b, a, before);
    }

    @Test
    @Order(7)
    void theTargetsLinkCutMidMigrationLeavesItRunningOnTheSource() throws Exception {
        awaitOwnershipRecord(a);
        CompletableFuture<ClusterNode.Result> move = CompletableFuture.supplyAsync(() ->
                a.hydra("migrate", "mover", "--to", b.id, "--mode", "precopy", "--threshold", "0"));
        Shell.await(Duration.ofSeconds(20), "the migration under way on " + a.id,
                () -> journalEntries(a) > 0 || move.isDone());
        b.namespace().cut();
        try {
            // the target is not deemed lost before its lease (3 s) expires: the migration is still under way
            assertRefused(a.hydra("rm", "-f", "mover"), "is being migrated to another node");
            assertRefused(a.hydra("stop", "mover"), "is being migrated to another node");
            ClusterNode.Result r = move.get(MOVE.toSeconds(), TimeUnit.SECONDS);
            assertNotEquals(0, r.code(), "a migration to a node cut off fails: " + r.out());
            assertTrue(r.err().contains("runs on node " + a.id), r.err());
            Shell.await(MOVE, "mover running on " + a.id, () -> Protected.runningOn(cluster, "mover")
                    .map(n -> n == a).orElse(false));
            assertEquals(1, Protected.liveCopies(cluster, id), "exactly one running copy");
            JsonNode failed = lastEvent(a, "io.hydra.migration.failed");
            assertEquals(a.id, failed.at("/data/runsOn").asText(), failed.toString());
            assertJournalEmpty(a);
        } finally {
            b.namespace().heal();
        }
        Shell.await(MOVE, b.id + " back in the cluster", () -> a.nodes().containsKey(b.id)
                && a.nodes().get(b.id).get("status").asText().equals("ready"));
        assertEquals(1, Protected.liveCopies(cluster, id), "still one running copy after the heal");
    }

    @Test
    @Order(8)
    void aRedisWithHostNetworkingMovesWithItsDataAndListensOnTheTargetsAddress() throws Exception {
        int port = 16379;
        Path rootfs = RedisRootfs.create(cluster.dir().resolve("redis-rootfs"));
        a.ok("run", "-d", "--name", "cache", "--net", "host", "--rootfs", rootfs.toString(), "--",
                "/usr/bin/redis-server", "--port", Integer.toString(port), "--bind", "0.0.0.0", "--save", "",
                "--appendonly", "no", "--protected-mode", "no");
        String host = a.namespace().address();
        Shell.await(Duration.ofSeconds(60), "redis up on " + a.id, () -> Resp.answers(host, port));
        int keys = 2000;
        try (Resp redis = new Resp(host, port)) {
            List<String[]> sets = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                sets.add(new String[] {"SET", "k" + i, "value-" + i});
            }
            assertTrue(redis.pipeline(sets).stream().allMatch("OK"::equals));
        }
        String cacheId = a.inspect("cache").get("id").asText();
        Shell.await(Duration.ofSeconds(20), "the ownership record of cache", () -> Shell.run("etcdctl",
                "--endpoints", cluster.etcd().endpoint(), "get", "/hydra/owners/" + cacheId, "--print-value-only")
                .text().contains("\"state\":\"RUNNING\""));

        JsonNode s = a.ok("migrate", "cache", "--to", b.id, "--format", "json").json();
        assertEquals("precopy", s.get("mode").asText(), "pre-copy is the default");
        String there = b.namespace().address();
        Shell.await(Duration.ofSeconds(20), "redis answering on " + b.id + "'s address",
                () -> Resp.answers(there, port));
        try (Resp redis = new Resp(there, port)) {
            assertEquals(Integer.toString(keys), redis.call("DBSIZE"));
            assertEquals("value-1234", redis.call("GET", "k1234"));
        }
        assertFalse(Resp.answers(host, port), "nothing listens on " + a.id + " any more");
        assertEquals(1, Protected.liveCopies(cluster, cacheId));

        JsonNode back = b.ok("migrate", "cache", "--to", a.id, "--mode", "postcopy", "--format", "json").json();
        assertEquals("postcopy", back.get("mode").asText());
        Shell.await(Duration.ofSeconds(20), "redis answering on " + a.id + "'s address again",
                () -> Resp.answers(host, port));
        try (Resp redis = new Resp(host, port)) {
            assertEquals(Integer.toString(keys), redis.call("DBSIZE"), "every key came with its pages");
            assertEquals("value-1999", redis.call("GET", "k1999"));
        }
        assertFalse(Resp.answers(there, port), "nothing listens on " + b.id + " any more");
        assertEquals(1, Protected.liveCopies(cluster, cacheId));
        a.ok("rm", "-f", "cache");
    }

    @Test
    @Order(9)
    void postCopyRunsItOnTheTargetAtOnceAndItsMemoryFollows() throws Exception {
        awaitOwnershipRecord(a);
        long before = awaitTicks(a);
        JsonNode s = a.ok("migrate", "mover", "--to", b.id, "--mode", "postcopy", "--format", "json").json();
        assertEquals("postcopy", s.get("mode").asText());
        assertEquals(0, s.get("rounds").asInt());
        assertTrue(s.get("downtimeMs").asLong() > 0 && s.get("downtimeMs").asLong() <= s.get("totalMs").asLong(),
                "downtime within the total: " + s);
        assertMoved(a, b, before);
        long lazyVersion = s.get("version").asLong();
        assertFalse(Protected.versions(b, "mover").contains(lazyVersion),
                "the image without memory is not kept as a version anything could restore: " + s);
        assertEquals(List.of(), list(b.root.resolve("lazy-pages")), "the fetch's directory is cleared");
        assertEquals(List.of(), list(a.root.resolve("checkpoints")), "nothing staged is left on the source");
        JsonNode completed = lastEvent(a, "io.hydra.migration.completed");
        assertEquals(b.id, completed.at("/data/runsOn").asText());
        assertJournalEmpty(a);
    }

    @Test
    @Order(10)
    void targetSigkilledBetweenItsFetchAndItsRestoreHandsItBackAndTheSourceRunsOn() throws Exception {
        awaitOwnershipRecord(b);
        long pid = b.inspect("mover").get("pid").asLong();
        a.killDaemon();
        a.startWith("hydra-test.crash-at=migration.lazy-fetcher-started");
        CompletableFuture<ClusterNode.Result> move = CompletableFuture.supplyAsync(() ->
                b.hydra("migrate", "mover", "--to", a.id, "--mode", "postcopy"));
        assertEquals(137, a.awaitDaemonExit(MOVE));
        // a dead daemon is not a lost node (its lease keeper outlives it): the source serves on until it is back
        a.start();
        ClusterNode.Result r = move.get(MOVE.toSeconds(), TimeUnit.SECONDS);
        assertNotEquals(0, r.code(), "a post-copy whose target restarted mid-way fails: " + r.out());
        assertTrue(r.err().contains("runs on node " + b.id + " again"), r.err());
        JsonNode state = b.inspect("mover");
        assertEquals("running", state.get("status").asText());
        assertEquals(pid, state.get("pid").asLong(), "the same processes run on: the failed dump resumed them");
        assertEquals(1, Protected.liveCopies(cluster, id), "exactly one running copy");
        JsonNode failed = lastEvent(b, "io.hydra.migration.failed");
        assertEquals(b.id, failed.at("/data/runsOn").asText(), failed.toString());
        assertJournalEmpty(b);
        awaitOwnershipRecord(b);
        assertEquals(List.of(), list(a.root.resolve("lazy-pages")), "the abandoned fetch on " + a.id + " cleared");
        assertTrue(a.hydra("inspect", "mover").code() != 0, "no copy on " + a.id);
        long last = awaitTicks(b);
        Shell.await(Duration.ofSeconds(20), "the counter counting on past " + last,
                () -> Counter.last(Counter.ticks(b.logs("mover"))) > last + 1);
        List<Counter.Tick> ticks = Counter.ticks(b.logs("mover"));
        for (int i = 1; i < ticks.size(); i++) {
            assertEquals(ticks.get(i - 1).value() + 1, ticks.get(i).value(), "no reset or gap at line " + i);
        }
    }

    @Test
    @Order(11)
    void sourceSigkilledRightAfterThePostCopyHandoverEndsOnTheTarget() throws Exception {
        awaitOwnershipRecord(b);
        long before = awaitTicks(b);
        int completedBefore = events(b, "io.hydra.migration.completed").size();
        b.killDaemon();
        b.startWith("hydra-test.crash-at=migration.handed-over");
        assertNotEquals(0, b.hydra("migrate", "mover", "--to", a.id, "--mode", "postcopy").code());
        assertEquals(137, b.awaitDaemonExit(Duration.ofSeconds(30)));
        // the dump outlives its daemon: it serves the memory, and the target reports the container running
        Shell.await(MOVE, "mover running on " + a.id, () -> Protected.runningOn(cluster, "mover")
                .map(n -> n == a).orElse(false));
        b.start();
        Shell.await(MOVE, "the restarted source reporting the migration completed",
                () -> events(b, "io.hydra.migration.completed").size() > completedBefore);
        assertMoved(b, a, before);
        assertJournalEmpty(b);
    }

    /** It runs on {@code to} only, counting on from where it was on {@code from} (no reset, no gap). */
    private static void assertMoved(ClusterNode from, ClusterNode to, long before) throws Exception {
        JsonNode there = to.inspect("mover");
        assertEquals("running", there.get("status").asText());
        assertEquals(to.id, there.get("node").asText());
        assertEquals(id, there.get("id").asText(), "the same container id");
        assertTrue(from.hydra("inspect", "mover").code() != 0, "gone from " + from.id);
        assertEquals(1, Protected.liveCopies(cluster, id), "exactly one running copy");
        Shell.await(Duration.ofSeconds(20), "the counter counting on " + to.id,
                () -> Counter.ticks(to.logs("mover")).size() >= 3);
        List<Counter.Tick> ticks = Counter.ticks(to.logs("mover"));
        assertTrue(ticks.get(0).value() > before, "restored where it was (first " + ticks.get(0).value()
                + ", before the move " + before + ")");
        for (int i = 1; i < ticks.size(); i++) {
            assertEquals(ticks.get(i - 1).value() + 1, ticks.get(i).value(), "no reset or gap at line " + i);
        }
    }

    private static long awaitTicks(ClusterNode node) throws Exception {
        Shell.await(Duration.ofSeconds(20), "the counter ticking on " + node.id,
                () -> Counter.ticks(node.logs("mover")).size() >= 3);
        return Counter.last(Counter.ticks(node.logs("mover")));
    }

    /** The ownership pass writes a new container's record within seconds; migrate needs it. */
    private static void awaitOwnershipRecord(ClusterNode node) throws Exception {
        Shell.await(Duration.ofSeconds(20), "the ownership record of mover naming " + node.id, () -> {
            Shell.Output got = Shell.run("etcdctl", "--endpoints", cluster.etcd().endpoint(), "get",
                    "/hydra/owners/" + id, "--print-value-only");
            return got.code() == 0 && got.text().contains("\"node\":\"" + node.id + "\"")
                    && got.text().contains("\"state\":\"RUNNING\"");
        });
    }

    private static void assertRefused(ClusterNode.Result r, String says) {
        assertNotEquals(0, r.code(), "refused: " + r.out());
        assertTrue((r.out() + r.err()).contains(says), "the error names the problem (" + says + "): " + r.err());
    }

    private static long journalEntries(ClusterNode node) throws Exception {
        Path dir = node.root.resolve("migrations");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".json")).count();
        }
    }

    private static List<Path> list(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }

    private static void assertJournalEmpty(ClusterNode node) throws Exception {
        try (var files = Files.list(node.root.resolve("migrations"))) {
            assertEquals(List.of(), files.toList(), "no migration left in " + node.id + "'s journal");
        }
    }

    private static List<JsonNode> events(ClusterNode node, String type) {
        return node.events().stream().filter(e -> e.path("type").asText().equals(type)
                && e.path("subject").asText().equals(id)).toList();
    }

    private static JsonNode lastEvent(ClusterNode node, String type) {
        List<JsonNode> found = events(node, type);
        assertTrue(!found.isEmpty(), "a " + type + " event on " + node.id);
        return found.get(found.size() - 1);
    }
}
