package io.hydra.runtime.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import io.hydra.api.v1.ProbeResponse;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;
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

    private final NodeAgent agent;
    private final PeerDirectory peers;
    private final PeerProber prober;
    private final LocalCopies copies;
    private final OwnershipSync sync;
    private final StateStore store;
    private final FenceState state;
    private final Duration margin;
    private final Clock clock;

    /** How fencing asks the peers: {@link PeerClient#probeAll}, without paths. */
    public interface PeerProber {
        Map<String, ProbeResponse> probe(List<NodeRecord> peers, Duration deadline);
    }

    public Fencing(NodeAgent agent, PeerDirectory peers, PeerProber prober,
                   LocalCopies copies, OwnershipSync sync, StateStore store, FenceState state, Duration margin,
                   Clock clock) {
        this.agent = agent;
        this.peers = peers;
        this.prober = prober;
        this.copies = copies;
        this.sync = sync;
        this.store = store;
        this.state = state;
        this.margin = margin;
        this.clock = clock;
    }

    /** One check; the daemon runs it every ~200 ms on a thread of its own. */
    public void tick() {
        Membership m = agent.membership();
        Instant now = clock.instant();
        if (m.expired()) {
            // the coordinator said the lease is gone: the cluster treats this node as lost, whatever peers say
            fence("the node's lease expired");
            try {
                agent.rejoin();
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
        if (!copies.fenced().ids().isEmpty() || state.fenced()) {
            settleFenced();
        } else if (state.standing() != FenceState.Standing.MEMBER) {
            LOG.infof("the coordinator is reachable again; node %s is a member", agent.node().nodeId());
            state.set(FenceState.Standing.MEMBER, "");
        }
    }

    private void atRisk(Membership m, Instant now) {
        if (state.fenced()) {
            // once frozen, stay frozen until the lease is confirmed again; containers started since are frozen too
            fence(state.get().reason());
            return;
        }
        Map<String, ProbeResponse> answers = prober.probe(List.copyOf(peers.others()), PROBE_DEADLINE);
        long reachable = answers.values().stream().filter(ProbeResponse::getCoordinatorReachable).count();
        String unrenewed = "the lease was not confirmed since " + m.liveUntil() + " (margin " + margin.toMillis()
                + " ms)";
        if (answers.isEmpty()) {
            fence(unrenewed + ", and no peer answered");
        } else if (reachable > 0) {
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

    /** Freezes every running protected container not frozen yet. */
    private void fence(String reason) {
        if (!state.fenced()) {
            LOG.warnf("fencing node %s: %s", agent.node().nodeId(), reason);
        }
        state.set(FenceState.Standing.FENCED, reason);
        for (ContainerRecord r : store.all()) {
            if (r.status() == ContainerStatus.running && copies.isProtected(r.id())) {
                try {
                    copies.freeze(r.id(), reason);
                } catch (RuntimeException e) {
                    LOG.errorf("fencing could not freeze %s: %s", r.name(), e.getMessage());
                }
            }
        }
    }

    private void settleFenced() {
        boolean all = true;
        for (String id : copies.fenced().ids()) {
            try {
                all &= sync.resolveFenced(id);
            } catch (RuntimeException e) {
                all = false;
                LOG.warnf("fenced container %s not settled yet: %s", id, e.getMessage());
            }
        }
        if (all) {
            LOG.infof("node %s is a member again; every fenced container is settled", agent.node().nodeId());
            state.set(FenceState.Standing.MEMBER, "");
        }
    }
}
