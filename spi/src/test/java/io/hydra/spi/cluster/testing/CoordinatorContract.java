package io.hydra.spi.cluster.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.LeadershipListener;
import io.hydra.spi.cluster.Member;
import io.hydra.spi.cluster.MemberEvent;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.RecordEvent;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.cluster.VersionedValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Coordinator} must do, run by each coordinator plugin against its real engine. Each test gets a
 * namespace of its own from the implementation (all coordinators of one test share it) and cleans up what it
 * joined: a left member, not one kept alive for ever by a keeper nobody stops.
 */
public abstract class CoordinatorContract {
    @TempDir
    protected Path temp;

    private final List<Coordinator> coordinators = new ArrayList<>();
    private final List<Membership> memberships = new ArrayList<>();

    /** A new coordinator on this test's namespace, keeping its node state in {@code stateDir}. */
    protected abstract Coordinator newCoordinator(Path stateDir);

    /** The node lease's time to live the coordinators were made with. */
    protected abstract Duration ttl();

    /**
     * Ends the node as a node loss does (the machine gone: the daemon and whatever keeps its lease alive), without
     * leaving; the coordinator is closed. The engine must then end its membership on its own.
     */
    protected abstract void loseNode(Coordinator coordinator, Membership membership);

    protected final Coordinator coordinator(String name) {
        try {
            Path dir = Files.createDirectories(temp.resolve(name));
            Coordinator c = newCoordinator(dir);
            coordinators.add(c);
            return c;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    protected final Membership join(Coordinator c, String nodeId, String record) {
        Membership m = c.join(nodeId, record);
        memberships.add(m);
        return m;
    }

    @AfterEach
    void leaveAndClose() {
        for (Membership m : memberships) {
            try {
                if (!m.expired()) {
                    m.leave();
                }
            } catch (RuntimeException ignored) {
                // a node this test lost or already left
            }
        }
        coordinators.forEach(Coordinator::close);
    }

    @Test
    void createIsOnlyIfAbsentAndCompareAndSetRefusesAStaleVersion() {
        Coordinator c = coordinator("a");
        long v1 = c.create("owners/x", "{\"node\":\"n1\",\"epoch\":1}").orElseThrow();
        assertTrue(v1 > 0);
        assertEquals(OptionalLong.empty(), c.create("owners/x", "other"), "a second create must be refused");
        assertEquals(new VersionedValue("owners/x", "{\"node\":\"n1\",\"epoch\":1}", v1), c.get("owners/x").orElseThrow());

        long v2 = c.compareAndSet("owners/x", v1, "{\"node\":\"n2\",\"epoch\":2}").orElseThrow();
        assertTrue(v2 > v1, v2 + " after " + v1);
        assertEquals(OptionalLong.empty(), c.compareAndSet("owners/x", v1, "stale"), "a stale version must be refused");
        assertEquals("{\"node\":\"n2\",\"epoch\":2}", c.get("owners/x").orElseThrow().value());

        assertFalse(c.compareAndDelete("owners/x", v1), "a delete naming a stale version must be refused");
        assertTrue(c.get("owners/x").isPresent());
        assertTrue(c.compareAndDelete("owners/x", v2));
        assertTrue(c.get("owners/x").isEmpty());
        assertEquals(OptionalLong.empty(), c.compareAndSet("owners/x", v2, "gone"), "no replacing a deleted record");
        assertTrue(c.create("owners/x", "again").isPresent(), "a deleted record can be created again");
    }

    @Test
    void listReturnsOnlyThePrefixInKeyOrder() {
        Coordinator c = coordinator("a");
        for (String k : List.of("owners/c", "owners/a", "ownersx", "other/a", "owners/b")) {
            c.create(k, "v-" + k).orElseThrow();
        }
        List<VersionedValue> listed = c.list("owners/");
        assertEquals(List.of("owners/a", "owners/b", "owners/c"), listed.stream().map(VersionedValue::key).toList());
        assertEquals("v-owners/b", listed.get(1).value());
        assertEquals(c.get("owners/b").orElseThrow().version(), listed.get(1).version());
        assertEquals(List.of(), c.list("nothing/"));
    }

    @Test
    void watchReportsEveryChangeInOrderWithItsVersion() throws Exception {
        Coordinator c = coordinator("a");
        c.create("before/x", "not under the prefix").orElseThrow();
        c.create("w/old", "there before the watch").orElseThrow();
        BlockingQueue<RecordEvent> events = new LinkedBlockingQueue<>();
        try (Subscription s = c.watch("w/", events::add)) {
            long a1 = c.create("w/a", "1").orElseThrow();
            long a2 = c.compareAndSet("w/a", a1, "2").orElseThrow();
            long b1 = c.create("w/b", "3").orElseThrow();
            c.create("other/z", "not watched").orElseThrow();
            assertTrue(c.compareAndDelete("w/a", a2));
            assertEquals(new RecordEvent(RecordEvent.Kind.PUT, "w/a", "1", a1), next(events));
            assertEquals(new RecordEvent(RecordEvent.Kind.PUT, "w/a", "2", a2), next(events));
            assertEquals(new RecordEvent(RecordEvent.Kind.PUT, "w/b", "3", b1), next(events));
            RecordEvent deleted = next(events);
            assertEquals(RecordEvent.Kind.DELETE, deleted.kind());
            assertEquals("w/a", deleted.key());
            assertTrue(deleted.version() > b1, "the deletion's revision " + deleted.version());
        }
        assertEquals(null, events.poll(300, TimeUnit.MILLISECONDS), "nothing more, nothing from before the watch");
    }

    @Test
    void membersAreReportedWhenTheyJoinChangeAndWhenTheirLeaseEnds() throws Exception {
        Coordinator first = coordinator("n1");
        join(first, "n1", "{\"addr\":\"10.0.0.1\"}");
        Coordinator observer = coordinator("observer");
        BlockingQueue<MemberEvent> events = new LinkedBlockingQueue<>();
        try (Subscription s = observer.watchMembers(events::add)) {
            assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n1", "{\"addr\":\"10.0.0.1\"}"), next(events),
                    "the current members come first");
            Coordinator second = coordinator("n2");
            Membership n2 = join(second, "n2", "{\"addr\":\"10.0.0.2\"}");
            assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n2", "{\"addr\":\"10.0.0.2\"}"), next(events));
            assertEquals(List.of(new Member("n1", "{\"addr\":\"10.0.0.1\"}"), new Member("n2", "{\"addr\":\"10.0.0.2\"}")),
                    observer.liveMembers());
            n2.update("{\"addr\":\"10.0.0.2\",\"free\":1}");
            assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n2", "{\"addr\":\"10.0.0.2\",\"free\":1}"),
                    next(events));
            assertFalse(n2.expired());
            assertTrue(n2.liveUntil().isAfter(java.time.Instant.now()), "liveUntil " + n2.liveUntil());

            long lostAt = System.nanoTime();
            loseNode(second, n2);
            MemberEvent left = events.poll(ttl().toMillis() * 2 + 3000, TimeUnit.MILLISECONDS);
            assertEquals(new MemberEvent(MemberEvent.Kind.LEFT, "n2", ""), left);
            assertTrue(System.nanoTime() - lostAt > ttl().toNanos() / 2, "LEFT came before the lease could expire");
            assertEquals(List.of(new Member("n1", "{\"addr\":\"10.0.0.1\"}")), observer.liveMembers());
        }
    }

    @Test
    void aNodeIdHeldByAnotherLiveMemberIsRefused() {
        Coordinator a = coordinator("a");
        join(a, "n1", "a");
        Coordinator b = coordinator("b");
        CoordinatorException e = assertThrows(CoordinatorException.class, () -> b.join("n1", "b"));
        assertEquals(CoordinatorException.Kind.NODE_ID_TAKEN, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("n1"), e.getMessage());
        assertEquals(List.of(new Member("n1", "a")), b.liveMembers(), "the holder's record is untouched");
    }

    @Test
    void leaveEndsTheMembershipAtOnce() throws Exception {
        Coordinator a = coordinator("a");
        Membership m = join(a, "n1", "a");
        BlockingQueue<MemberEvent> events = new LinkedBlockingQueue<>();
        try (Subscription s = a.watchMembers(events::add)) {
            assertEquals(MemberEvent.Kind.JOINED, next(events).kind());
            m.leave();
            MemberEvent left = events.poll(ttl().toMillis() / 2, TimeUnit.MILLISECONDS);
            assertEquals(new MemberEvent(MemberEvent.Kind.LEFT, "n1", ""), left, "leave revokes: no TTL to wait");
            assertTrue(m.expired());
        }
        assertEquals(List.of(), a.liveMembers());
    }

    @Test
    void oneCandidateIsElectedAndTheOtherWhenTheFirstGoes() throws Exception {
        Coordinator a = coordinator("a");
        Coordinator b = coordinator("b");
        Listener la = new Listener();
        Listener lb = new Listener();
        Subscription ca = a.campaign("cand-a", la);
        Subscription cb = b.campaign("cand-b", lb);
        await(() -> la.holds() || lb.holds(), Duration.ofSeconds(10), "nobody was elected");
        Listener winner = la.holds() ? la : lb;
        Listener loser = winner == la ? lb : la;
        String winnerName = winner == la ? "cand-a" : "cand-b";
        String loserName = winner == la ? "cand-b" : "cand-a";
        assertEquals(winnerName, a.leader().orElseThrow());
        assertEquals(winnerName, b.leader().orElseThrow());
        assertFalse(loser.holds(), "two controllers at once");

        (winner == la ? ca : cb).close();
        await(loser::holds, ttl().plusSeconds(5), loserName + " was not elected after " + winnerName + " went");
        assertFalse(winner.holds());
        assertEquals(loserName, (winner == la ? b : a).leader().orElseThrow());
        (winner == la ? cb : ca).close();
        await(() -> a.leader().isEmpty(), Duration.ofSeconds(5), "the role outlived its last candidate");
    }

    /** Records the listener's calls; holds() is whether it holds the role now. */
    protected static final class Listener implements LeadershipListener {
        private volatile boolean elected;
        private volatile int elections;

        @Override
        public void elected() {
            elected = true;
            elections++;
        }

        @Override
        public void revoked() {
            elected = false;
        }

        public boolean holds() {
            return elected;
        }

        public int elections() {
            return elections;
        }
    }

    protected static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
        T t = queue.poll(10, TimeUnit.SECONDS);
        assertNotNull(t, "no event within 10 s");
        return t;
    }

    protected static void await(BooleanSupplier condition, Duration deadline, String failure) {
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
