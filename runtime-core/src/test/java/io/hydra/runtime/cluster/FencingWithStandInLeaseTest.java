package io.hydra.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.hydra.api.v1.ProbeResponse;
import io.hydra.runtime.cluster.FenceState.Standing;
import io.hydra.spi.cluster.Membership;

/**
 * Fencing's decisions. The lease is a stand-in (its end is set by the test): the coordinator plugin that keeps a
 * real one is another module, and the real failure (a node cut off from etcd) is exercised end to end in it/.
 */
class FencingWithStandInLeaseTest {
    private static final Instant NOW = Instant.parse("2026-12-02T05:00:00Z");
    private static final Duration MARGIN = Duration.ofSeconds(1);

    /** A lease whose end and expiry the test sets. */
    private static final class StandInLease implements Fencing.Lease, Membership {
        Instant liveUntil = NOW.plusSeconds(3);
        boolean expired;
        int rejoins;

        @Override
        public Membership membership() {
            return this;
        }

        @Override
        public void rejoin() {
            rejoins++;
            expired = false;
            liveUntil = NOW.plusSeconds(3);
        }

        @Override
        public String nodeId() {
            return "a";
        }

        @Override
        public boolean rejoined() {
            return false;
        }

        @Override
        public void update(String record) {
        }

        @Override
        public Instant liveUntil() {
            return liveUntil;
        }

        @Override
        public boolean expired() {
            return expired;
        }

        @Override
        public void rejoin(String record) {
            rejoin();
        }

        @Override
        public void leave() {
        }
    }

    private static final class RecordingFreezer implements Fencing.Freezer {
        final List<String> freezes = new ArrayList<>();
        boolean frozen;
        boolean settles = true;
        int settleCalls;

        @Override
        public void freezeProtected(String reason) {
            freezes.add(reason);
            frozen = true;
        }

        @Override
        public boolean anyFrozen() {
            return frozen;
        }

        @Override
        public boolean settleFrozen() {
            settleCalls++;
            if (settles) {
                frozen = false;
            }
            return settles;
        }
    }

    private final StandInLease lease = new StandInLease();
    private final RecordingFreezer freezer = new RecordingFreezer();
    private final FenceState state = new FenceState();
    private final Map<String, ProbeResponse> answers = new TreeMap<>();
    private final List<NodeRecord> peers = List.of(peer("b"), peer("c"));
    private int probes;
    private boolean selfReaches;
    private int selfChecks;

    private static NodeRecord peer(String id) {
        return new NodeRecord(id, "10.0.0." + id.charAt(0) + ":7000", Map.of(), 0, 0, 0, 0, 0, "amd64", "", "",
                null, NOW, NOW, null);
    }

    private Fencing fencing() {
        return fencing(MARGIN);
    }

    private Fencing fencing(Duration margin) {
        Collection<NodeRecord> known = peers;
        return new Fencing(lease, timeout -> {
            selfChecks++;
            return selfReaches;
        }, () -> known, (list, deadline) -> {
            probes++;
            assertEquals(peers, list);
            assertTrue(deadline.toMillis() <= 300);
            return Map.copyOf(answers);
        }, freezer, state, margin, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private void answer(String node, boolean reachable) {
        answers.put(node, ProbeResponse.newBuilder().setNode(node).setCoordinatorReachable(reachable).build());
    }

    @Test
    void aConfirmedLeaseFreezesNothingAndAsksNobody() {
        fencing().tick();
        assertEquals(Standing.MEMBER, state.standing());
        assertEquals(List.of(), freezer.freezes);
        assertEquals(0, probes);
    }

    @Test
    void pastTheMarginWithNoPeerAnsweringFreezesUnlessAnotherRoundEndsBeforeHalfTheMargin() {
        // a wide margin: a silent peer gets another round while that round ends with half the margin to spare
        Duration wide = Duration.ofSeconds(3);
        lease.liveUntil = NOW.plus(wide).minusMillis(1);
        Fencing f = fencing(wide);
        f.tick();
        assertEquals(Standing.MEMBER, state.standing());
        assertEquals(List.of(), freezer.freezes);
        lease.liveUntil = NOW.plus(wide.dividedBy(2)).plus(Fencing.ROUND);
        f.tick();
        assertEquals(Standing.FENCED, state.standing());
        assertEquals(1, freezer.freezes.size());
        assertTrue(freezer.freezes.get(0).contains("no peer answered"), freezer.freezes.get(0));
    }

    @Test
    void atTheDefaultMarginOneSilentRoundFreezes() {
        // 1 s: a second round would end after half the margin, so the first silent round freezes
        lease.liveUntil = NOW.plusMillis(999);
        fencing().tick();
        assertEquals(Standing.FENCED, state.standing());
        assertEquals(1, freezer.freezes.size());
    }

    @Test
    void duringAConfirmedOutageAFewSilentRoundsFreeze() {
        lease.liveUntil = NOW.minusSeconds(10);
        answer("b", false);
        Fencing f = fencing();
        f.tick();
        assertEquals(Standing.OUTAGE, state.standing());
        answers.clear();
        for (int i = 1; i < Fencing.SILENT_ROUNDS; i++) {
            f.tick();
            assertEquals(Standing.OUTAGE, state.standing());
        }
        f.tick();
        assertEquals(Standing.FENCED, state.standing());
    }

    @Test
    void pastTheMarginWhileAPeerReachesTheCoordinatorFreezes() {
        lease.liveUntil = NOW.plusMillis(500);
        answer("b", false);
        answer("c", true);
        fencing().tick();
        assertEquals(Standing.FENCED, state.standing());
        assertTrue(freezer.freezes.get(0).contains("1 of 2 peers reach the coordinator"), freezer.freezes.get(0));
    }

    @Test
    void anOutageEveryAnsweringPeerSharesKeepsRunningUntilOnePeerReachesItAgain() {
        lease.liveUntil = NOW.minusSeconds(10);
        answer("b", false);
        Fencing f = fencing();
        f.tick();
        f.tick();
        assertEquals(Standing.OUTAGE, state.standing());
        assertEquals(List.of(), freezer.freezes);
        assertEquals(2, probes);
        answer("c", true);
        f.tick();
        assertEquals(Standing.FENCED, state.standing());
        assertEquals(1, freezer.freezes.size());
    }

    @Test
    void onceFencedItStaysFrozenWhilePeersSayTheOutageIsGeneralAndThawsOnlyOnceItIsAMember() {
        lease.liveUntil = NOW;
        Fencing f = fencing();
        f.tick();
        assertEquals(Standing.FENCED, state.standing());
        answer("b", false);
        answer("c", false);
        f.tick();
        assertEquals(Standing.FENCED, state.standing());
        assertEquals(0, freezer.settleCalls);
        lease.liveUntil = NOW.plusSeconds(3);
        freezer.settles = false;
        f.tick();
        assertEquals(Standing.FENCED, state.standing());
        freezer.settles = true;
        f.tick();
        assertEquals(Standing.MEMBER, state.standing());
        assertEquals(2, freezer.settleCalls);
    }

    @Test
    void anExpiredLeaseFreezesWithoutAskingAndRejoins() {
        lease.expired = true;
        answer("b", false);
        Fencing f = fencing();
        f.tick();
        assertEquals(0, probes);
        assertEquals(Standing.FENCED, state.standing());
        assertTrue(freezer.freezes.get(0).contains("expired"));
        assertEquals(1, lease.rejoins);
        f.tick();
        assertEquals(Standing.MEMBER, state.standing());
        assertEquals(1, freezer.settleCalls);
    }

    @Test
    void aLeaseEndNearOnlyByRoundingWhileThisNodeReachesTheCoordinatorFreezesNothingAndAsksNoPeer() {
        lease.liveUntil = NOW.plusMillis(900);
        selfReaches = true;
        Fencing f = fencing();
        f.tick();
        f.tick();
        assertEquals(Standing.MEMBER, state.standing());
        assertEquals(List.of(), freezer.freezes);
        assertEquals(0, probes);
        // asked once and taken as true for a while: no read of the coordinator on every tick
        assertEquals(1, selfChecks);
        lease.expired = true;
        f.tick();
        assertEquals(Standing.FENCED, state.standing());
    }

    @Test
    void containersAPreviousDaemonFrozeAreSettledOnceTheLeaseIsConfirmed() {
        freezer.frozen = true;
        fencing().tick();
        assertEquals(1, freezer.settleCalls);
        assertEquals(Standing.MEMBER, state.standing());
    }
}
