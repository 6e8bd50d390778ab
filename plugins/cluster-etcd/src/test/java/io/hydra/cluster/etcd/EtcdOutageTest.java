package io.hydra.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.MemberEvent;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.RecordEvent;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.cluster.testing.EtcdServer;
import io.hydra.spi.monitor.ProcessIdentity;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd goes away: every call fails in time with UNREACHABLE, liveUntil stands still, and all resumes after. */
class EtcdOutageTest {
    private static final Duration TTL = Duration.ofSeconds(2);

    @TempDir
    Path temp;

    @Test
    void anOutageFailsCallsInTimeFreezesLiveUntilAndEverythingResumesAfter() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            Map<String, String> settings = EtcdTesting.settings(etcd, EtcdTesting.freshPrefix());
            Coordinator c = EtcdTesting.coordinator(settings, Files.createDirectories(temp.resolve("n1")));
            Membership m = null;
            try {
                m = c.join("n1", "r1");
                ProcessIdentity keeper = EtcdTesting.keeper(m);
                BlockingQueue<RecordEvent> records = new LinkedBlockingQueue<>();
                BlockingQueue<MemberEvent> members = new LinkedBlockingQueue<>();
                Subscription recordWatch = c.watch("owners/", records::add);
                Subscription memberWatch = c.watchMembers(members::add);
                assertEquals(MemberEvent.Kind.JOINED, members.poll(10, TimeUnit.SECONDS).kind());
                Membership joined = m;
                EtcdLeaseKeeperTest.await(() -> joined.liveUntil().isAfter(Instant.now().plusMillis(800)),
                        Duration.ofSeconds(5), "liveUntil never moved ahead");

                etcd.kill();
                Instant frozenBy = Instant.now();
                long start = System.nanoTime();
                CoordinatorException e = assertThrows(CoordinatorException.class, () -> c.get("owners/x"));
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(CoordinatorException.Kind.UNREACHABLE, e.kind(), e.getMessage());
                // bounds that prove "no hang" (jetcd alone retries for ever), loose enough for a loaded 2-core machine
                assertTrue(elapsedMs < 5000, "a 1 s deadline took " + elapsedMs + " ms");
                assertEquals(CoordinatorException.Kind.UNREACHABLE,
                        assertThrows(CoordinatorException.class, () -> c.create("owners/x", "v")).kind());
                start = System.nanoTime();
                assertFalse(c.reachable(Duration.ofMillis(300)));
                assertTrue(System.nanoTime() - start < Duration.ofMillis(3000).toNanos(), "reachable(300 ms) overran");

                Instant liveUntil = m.liveUntil();
                assertTrue(!liveUntil.isAfter(frozenBy.plus(TTL)), "liveUntil " + liveUntil
                        + " beyond what etcd promised before the outage at " + frozenBy);
                // the keeper gives up on etcd after about a TTL and starts again: the outage outlives that
                Path log = temp.resolve("n1").resolve("keeper.log");
                EtcdLeaseKeeperTest.await(() -> read(log).contains("etcd unreachable: again"),
                        Duration.ofSeconds(15), "the keeper's etcdctl never gave up on the dead etcd");
                assertEquals(liveUntil, m.liveUntil(), "liveUntil moved while etcd was down");
                assertTrue(keeper.isAlive(), "the keeper must outlast an etcd outage");
                assertFalse(m.expired());

                etcd.restart();
                EtcdLeaseKeeperTest.await(() -> c.reachable(Duration.ofMillis(500)), Duration.ofSeconds(30),
                        "etcd did not come back");
                long v = c.create("owners/x", "after").orElseThrow();
                RecordEvent put = records.poll(20, TimeUnit.SECONDS);
                assertEquals(new RecordEvent(RecordEvent.Kind.PUT, "owners/x", "after", v), put,
                        "the record watch resumes after the outage");
                EtcdLeaseKeeperTest.await(() -> joined.liveUntil().isAfter(liveUntil), Duration.ofSeconds(10),
                        "liveUntil did not move again after etcd came back");
                assertFalse(m.expired(), "the node lease survived the outage");
                assertTrue(keeper.isAlive(), "the same keeper kept it");
                assertEquals(null, members.poll(TTL.toMillis() * 2, TimeUnit.MILLISECONDS),
                        "no spurious LEFT or JOINED across the outage");
                m.update("r2");
                assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n1", "r2"), members.poll(10, TimeUnit.SECONDS),
                        "the member watch resumes after the outage");
                recordWatch.close();
                memberWatch.close();
            } finally {
                // cleanup must not hide why the test failed: with etcd down, leave() itself times out
                if (m != null && etcd.running() && !m.expired()) {
                    m.leave();
                }
                c.close();
            }
        }
    }

    @Test
    void theControllerIsRevokedWhenEtcdIsLostForATtlAndElectedAgainAfter() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            Map<String, String> settings = EtcdTesting.settings(etcd, EtcdTesting.freshPrefix());
            try (Coordinator c = EtcdTesting.coordinator(settings, Files.createDirectories(temp.resolve("n1")))) {
                java.util.concurrent.atomic.AtomicInteger elected = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicInteger revoked = new java.util.concurrent.atomic.AtomicInteger();
                Subscription campaign = c.campaign("n1", new io.hydra.spi.cluster.LeadershipListener() {
                    @Override
                    public void elected() {
                        elected.incrementAndGet();
                    }

                    @Override
                    public void revoked() {
                        revoked.incrementAndGet();
                    }
                });
                EtcdLeaseKeeperTest.await(() -> elected.get() == 1, Duration.ofSeconds(10), "never elected");
                assertEquals("n1", c.leader().orElseThrow());

                etcd.kill();
                long lost = System.nanoTime();
                EtcdLeaseKeeperTest.await(() -> revoked.get() == 1, TTL.plusSeconds(2),
                        "the role was kept without etcd for longer than a TTL");
                long ms = (System.nanoTime() - lost) / 1_000_000;
                assertTrue(ms >= TTL.toMillis() / 2, "revoked after only " + ms + " ms");

                etcd.restart();
                EtcdLeaseKeeperTest.await(() -> elected.get() == 2, Duration.ofSeconds(30),
                        "not elected again after etcd came back");
                assertEquals("n1", c.leader().orElseThrow());
                campaign.close();
                assertEquals(2, revoked.get(), "closing the campaign ends the role");
            }
        }
    }

    @Test
    void aKeeperWhoseNodeStateIsGoneExitsInsteadOfWaitingForEtcdForEver() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            Map<String, String> settings = EtcdTesting.settings(etcd, EtcdTesting.freshPrefix());
            Path state = Files.createDirectories(temp.resolve("n1"));
            ProcessIdentity keeper;
            try (Coordinator c = EtcdTesting.coordinator(settings, state)) {
                keeper = EtcdTesting.keeper(c.join("n1", "r1"));
            }
            try {
                Files.delete(state.resolve(KeeperState.FILE)); // the daemon's root was removed
                etcd.kill();
                EtcdLeaseKeeperTest.await(() -> !keeper.isAlive(), TTL.plusSeconds(8),
                        "the keeper of a removed node kept waiting for etcd");
                assertTrue(read(state.resolve("keeper.log")).contains("no longer this node's"),
                        read(state.resolve("keeper.log")));
            } finally {
                EtcdTesting.killKeeper(keeper);
            }
        }
    }

    @Test
    void joiningAnEndpointNobodyServesFailsUnreachableWithinSeconds() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> settings = Map.of("endpoints", "127.0.0.1:" + port, "ttl", "2s",
                "prefix", EtcdTesting.freshPrefix());
        Path dir = Files.createDirectories(temp.resolve("n1"));
        long start = System.nanoTime();
        try (Coordinator c = EtcdTesting.coordinator(settings, dir)) {
            CoordinatorException e = assertThrows(CoordinatorException.class, () -> c.join("n1", "r"));
            assertEquals(CoordinatorException.Kind.UNREACHABLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("etcd"), e.getMessage());
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 6000, "took " + ms + " ms");
        assertFalse(Files.exists(dir.resolve(KeeperState.FILE)), "nothing half-joined is left behind");
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
