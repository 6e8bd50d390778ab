package io.hydra.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.Member;
import io.hydra.spi.cluster.MemberEvent;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.cluster.testing.EtcdServer;
import io.hydra.spi.monitor.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node lease is kept alive outside the daemon: a crashed daemon leaves its node alive, a lost node leaves. */
class EtcdLeaseKeeperTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static EtcdServer etcd;

    @TempDir
    Path temp;
    private Map<String, String> settings;
    private Path stateDir;
    private final List<Coordinator> coordinators = new ArrayList<>();
    private final List<ProcessIdentity> keepers = new ArrayList<>();
    private Coordinator observer;
    private final BlockingQueue<MemberEvent> events = new LinkedBlockingQueue<>();
    private Subscription watch;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @BeforeEach
    void observe() throws Exception {
        settings = EtcdTesting.settings(etcd, EtcdTesting.freshPrefix());
        stateDir = Files.createDirectories(temp.resolve("node"));
        observer = open(temp.resolve("observer"));
        watch = observer.watchMembers(events::add);
    }

    @AfterEach
    void cleanUp() {
        watch.close();
        coordinators.forEach(Coordinator::close);
        keepers.forEach(EtcdTesting::killKeeper);
    }

    @Test
    void aCrashedDaemonLeavesItsNodeAliveAndTheNextDaemonAdoptsTheLease() throws Exception {
        Coordinator first = open(stateDir);
        Membership m1 = first.join("n1", "r1");
        assertTrue(m1.rejoined() == false && !m1.expired());
        keepers.add(EtcdTesting.keeper(m1));
        long lease = EtcdTesting.leaseId(m1);
        assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n1", "r1"), next());

        first.close(); // the daemon dies without leaving
        assertNull(events.poll(TTL.toMillis() * 3, TimeUnit.MILLISECONDS), "the node must stay for 3 TTLs and more");
        assertEquals(List.of(new Member("n1", "r1")), observer.liveMembers());
        assertTrue(EtcdTesting.keeper(m1).isAlive(), "the keeper outlives its daemon");

        Coordinator second = open(stateDir);
        Membership m2 = second.join("n1", "r2");
        assertFalse(m2.rejoined(), "the lease was live: adopted, not re-joined");
        assertEquals(lease, EtcdTesting.leaseId(m2));
        assertEquals(EtcdTesting.keeper(m1), EtcdTesting.keeper(m2), "the running keeper is adopted, not doubled");
        assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n1", "r2"), next());
        m2.leave();
        assertEquals(new MemberEvent(MemberEvent.Kind.LEFT, "n1", ""), next());
        await(() -> !EtcdTesting.keeper(m2).isAlive(), Duration.ofSeconds(5), "leave stops the keeper");
        assertFalse(Files.exists(stateDir.resolve(KeeperState.FILE)), "leave forgets the lease");
    }

    @Test
    void aKilledKeeperIsReplacedAndTheMemberNeverLeaves() throws Exception {
        Coordinator daemon = open(stateDir);
        Membership m = daemon.join("n1", "r1");
        ProcessIdentity killed = EtcdTesting.keeper(m);
        keepers.add(killed);
        assertEquals(MemberEvent.Kind.JOINED, next().kind());

        EtcdTesting.killKeeper(killed);
        await(() -> !EtcdTesting.keeper(m).equals(killed) && EtcdTesting.keeper(m).isAlive(), TTL,
                "the keeper was not replaced within a TTL");
        keepers.add(EtcdTesting.keeper(m));
        assertEquals(EtcdTesting.keeper(m), KeeperState.read(stateDir).orElseThrow().keeper().orElseThrow(),
                "the new keeper is recorded for the next daemon");
        assertNull(events.poll(TTL.toMillis() * 2, TimeUnit.MILLISECONDS), "the member must never leave");
        assertFalse(m.expired());
        m.leave();
    }

    @Test
    void aDeadKeeperAndADeadDaemonLoseTheNodeWithinATtlAndTheNextDaemonRejoins() throws Exception {
        Coordinator daemon = open(stateDir);
        Membership m = daemon.join("n1", "r1");
        long lease = EtcdTesting.leaseId(m);
        assertEquals(MemberEvent.Kind.JOINED, next().kind());

        daemon.close();
        long lostAt = System.nanoTime();
        EtcdTesting.killKeeper(EtcdTesting.keeper(m));
        MemberEvent left = events.poll(TTL.toMillis() + 1500, TimeUnit.MILLISECONDS);
        assertEquals(new MemberEvent(MemberEvent.Kind.LEFT, "n1", ""), left, "the node must leave within TTL + 1.5 s");
        assertTrue(System.nanoTime() - lostAt > TTL.toNanos() / 2, "left before its lease could have expired");

        Coordinator next = open(stateDir);
        Membership again = next.join("n1", "r2");
        keepers.add(EtcdTesting.keeper(again));
        assertTrue(again.rejoined(), "the lease had expired: a new one");
        assertNotEquals(lease, EtcdTesting.leaseId(again));
        assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n1", "r2"), next());
        again.leave();
    }

    @Test
    void aLeaseEndedUnderALiveDaemonIsExpiredAndRejoinTakesANewOne() throws Exception {
        Coordinator daemon = open(stateDir);
        Membership m = daemon.join("n1", "r1");
        ProcessIdentity keeper = EtcdTesting.keeper(m);
        keepers.add(keeper);
        long lease = EtcdTesting.leaseId(m);
        assertEquals(MemberEvent.Kind.JOINED, next().kind());

        // the cluster ended the lease (as after a partition): revoked from outside, by etcdctl
        Process revoke = new ProcessBuilder("etcdctl", "--endpoints=" + etcd.endpoint(), "lease", "revoke",
                Long.toHexString(lease)).redirectErrorStream(true).start();
        assertEquals(0, revoke.waitFor(), new String(revoke.getInputStream().readAllBytes()));
        assertEquals(new MemberEvent(MemberEvent.Kind.LEFT, "n1", ""), next());
        await(m::expired, TTL, "expired() did not report the ended lease");
        await(() -> !keeper.isAlive(), Duration.ofSeconds(10), "the keeper of an ended lease must exit by itself");

        m.rejoin("r2");
        assertFalse(m.expired());
        assertNotEquals(lease, EtcdTesting.leaseId(m));
        keepers.add(EtcdTesting.keeper(m));
        assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n1", "r2"), next());
        assertTrue(m.liveUntil().isAfter(java.time.Instant.now()));
        m.leave();
    }

    private Coordinator open(Path dir) throws Exception {
        Files.createDirectories(dir);
        Coordinator c = EtcdTesting.coordinator(settings, dir);
        coordinators.add(c);
        return c;
    }

    private MemberEvent next() throws InterruptedException {
        MemberEvent e = events.poll(10, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("no member event within 10 s");
        }
        return e;
    }

    static void await(BooleanSupplier condition, Duration deadline, String failure) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(failure + " (waited " + deadline.toMillis() + " ms)");
            }
            try {
                Thread.sleep(20); // polling a condition under a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
