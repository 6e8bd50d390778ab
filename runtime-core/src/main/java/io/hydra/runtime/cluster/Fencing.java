package io.hydra.runtime.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.hydra.api.v1.ProbeResponse;
import io.hydra.spi.cluster.Membership;

/**
 * At most one live copy of a protected container. The cluster may restore this node's protected containers
 * elsewhere once its lease has expired; so before that can happen (the lease's confirmed end minus a margin)
 * a node that cannot renew it freezes them, unless every peer that answers cannot reach the coordinator either
 * (an outage of the coordinator itself: then nobody can fail over, and freezing would stop the whole cluster).
 * Once the node is a member again, each frozen container is thawed, taken back or removed by its ownership record.
 */
public final class Fencing {
    static final Duration PROBE_DEADLINE = Duration.ofMillis(300);
    private static final Logger LOG = Logger.getLogger(Fencing.class);

    /** The node's lease: {@link NodeAgent}. */
    public interface Lease {
        Membership membership();

        /** Takes a new lease after the old one expired. */
        void rejoin();

        String nodeId();
    }

    /** How fencing asks the peers: {@link PeerClient#probeAll}, without paths. */
    public interface PeerProber {
        Map<String, ProbeResponse> probe(List<NodeRecord> peers, Duration deadline);
    }

    /** What fencing does to the local containers: {@link NodeFreezer}. */
    public interface Freezer {
        /** Freezes every running protected container not frozen yet (idempotent: called on every fenced tick). */
        void freezeProtected(String reason);

        /** Whether any container is frozen by fencing (durably: also those a previous daemon froze). */
        boolean anyFrozen();

        /** Settles each frozen container by its ownership record; true when none is left frozen. */
        boolean settleFrozen();
    }

    /** How long a check that this node reaches the coordinator itself is taken as still true. */
    static final Duration SELF_CHECK_VALID = Duration.ofMillis(400);

    private final Lease lease;
    private final Predicate<Duration> coordinatorAnswers;
    private final Supplier<Collection<NodeRecord>> peers;
    private final PeerProber prober;
    private final Freezer freezer;
    private final FenceState state;
    private final Duration margin;
    private final Clock clock;

    /** How long one more round of asking takes at most: this node's own check, the peers' deadline, the next tick. */
    static final Duration ROUND = PeerApi.REACHABLE_TIMEOUT.plus(PROBE_DEADLINE).plus(ClusterNode.FENCE_EVERY);

    /** Rounds in a row without any answer that end a confirmed outage's benefit of the doubt. */
    static final int SILENT_ROUNDS = 3;

    private Instant selfCheckedAt = Instant.MIN;
    private int silentRounds;
    private boolean selfReached;

    /**
     * @param coordinatorAnswers {@link io.hydra.spi.cluster.Coordinator#reachable}: whether this node reaches the
     *                           coordinator itself within the time given
     */
    public Fencing(Lease lease, Predicate<Duration> coordinatorAnswers, Supplier<Collection<NodeRecord>> peers,
                   PeerProber prober, Freezer freezer, FenceState state, Duration margin, Clock clock) {
        this.lease = lease;
        this.coordinatorAnswers = coordinatorAnswers;
        this.peers = peers;
        this.prober = prober;
        this.freezer = freezer;
        this.state = state;
        this.margin = margin;
        this.clock = clock;
    }

    /** One check; the daemon runs it every ~200 ms on a thread of its own. */
    public void tick() {
        Membership m = lease.membership();
        Instant now = clock.instant();
        if (m.expired()) {
            // the coordinator said the lease is gone: the cluster treats this node as lost, whatever peers say
            fence("the node's lease expired");
            try {
                lease.rejoin();
            } catch (RuntimeException e) {
                LOG.warnf("fenced node cannot re-join yet: %s", e.getMessage());
            }
            return;
        }
        if (!now.isBefore(m.liveUntil().minus(margin))) {
            atRisk(m, now);
            return;
        }
        // the lease is confirmed live beyond the margin: a member, once every frozen container is settled
        silentRounds = 0;
        if (state.fenced() || freezer.anyFrozen()) {
            if (freezer.settleFrozen()) {
                LOG.infof("node %s is a member again; every fenced container is settled", lease.nodeId());
                state.set(FenceState.Standing.MEMBER, "");
            }
        } else if (state.standing() != FenceState.Standing.MEMBER) {
            LOG.infof("the coordinator is reachable again; node %s is a member", lease.nodeId());
            state.set(FenceState.Standing.MEMBER, "");
        }
    }

    private void atRisk(Membership m, Instant now) {
        if (state.fenced()) {
            // once frozen, stay frozen until the lease is confirmed again; containers started since are frozen too
            fence(state.get().reason());
            return;
        }
        if (reachesCoordinator(now)) {
            // not cut off: the lease's end is near only as the engine rounds it (whole seconds, down) or while a
            // dead keeper is replaced; an expiry would be seen at once (expired()), and frozen then, before the
            // controller's grace has passed
            if (state.standing() == FenceState.Standing.OUTAGE) {
                state.set(FenceState.Standing.MEMBER, "");
            }
            return;
        }
        Map<String, ProbeResponse> answers = prober.probe(List.copyOf(peers.get()), PROBE_DEADLINE);
        long reachable = answers.values().stream().filter(ProbeResponse::getCoordinatorReachable).count();
        String unrenewed = "the lease was not confirmed beyond " + m.liveUntil() + " (fence margin "
                + margin.toMillis() + " ms)";
        if (answers.isEmpty()) {
            // one round without answers may be a slow peer; ask again only if another whole round (this node's own
            // check, the peers' deadline and the wait for the next tick) ends before half the margin is left: the
            // freeze must be done before the lease can expire. While an outage every peer confirmed lasts, a few rounds
            silentRounds++;
            Instant nextRoundEnds = clock.instant().plus(ROUND);
            boolean outOfTime = state.standing() == FenceState.Standing.OUTAGE ? silentRounds >= SILENT_ROUNDS
                    : !nextRoundEnds.isBefore(m.liveUntil().minus(margin.dividedBy(2)));
            if (outOfTime) {
                fence(unrenewed + ", and no peer answered (" + silentRounds + " rounds)");
            }
            return;
        }
        silentRounds = 0;
        if (reachable > 0) {
            fence(unrenewed + ", and " + reachable + " of " + answers.size() + " peers reach the coordinator");
        } else {
            String reason = "the coordinator is unreachable from this node and from all " + answers.size()
                    + " peers that answered: nobody can fail over, so containers keep running";
            if (state.standing() != FenceState.Standing.OUTAGE) {
                LOG.warnf("coordinator outage: %s", reason);
            }
            state.set(FenceState.Standing.OUTAGE, reason);
        }
    }

    /** Whether this node reaches the coordinator itself, asked at most every {@link #SELF_CHECK_VALID}. */
    private boolean reachesCoordinator(Instant now) {
        if (now.isBefore(selfCheckedAt.plus(SELF_CHECK_VALID)) && selfCheckedAt != Instant.MIN) {
            return selfReached;
        }
        try {
            selfReached = coordinatorAnswers.test(PeerApi.REACHABLE_TIMEOUT);
        } catch (RuntimeException e) {
            selfReached = false;
        }
        selfCheckedAt = now;
        return selfReached;
    }

    private void fence(String reason) {
        if (!state.fenced()) {
            LOG.warnf("fencing node %s: %s", lease.nodeId(), reason);
        }
        state.set(FenceState.Standing.FENCED, reason);
        freezer.freezeProtected(reason);
    }
}
