package io.hydra.runtime.cluster;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import io.hydra.runtime.cluster.LocalOwnership.Verdict;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;

/**
 * Keeps the cluster's ownership records in step with the containers of this node, level-triggered: every pass
 * compares everything and fixes what differs, so a crash between a local change and its record write is healed by
 * the next pass. Records another node owns are never written; a local copy such a record names is removed.
 * Records being restored ({@code RESTORING}) are left to the failover restorer.
 */
public final class OwnershipSync {
    private static final Logger LOG = Logger.getLogger(OwnershipSync.class);

    private final Ownerships ownerships;
    private final StateStore store;
    private final LocalCopies copies;
    private final FenceState fence;
    private final LocalNode node;
    private final Clock clock;

    public OwnershipSync(Ownerships ownerships, StateStore store, LocalCopies copies, FenceState fence, LocalNode node,
                         Clock clock) {
        this.ownerships = ownerships;
        this.store = store;
        this.copies = copies;
        this.fence = fence;
        this.node = node;
        this.clock = clock;
    }

    /**
     * One pass over every record and local container. Skipped while the node is not a confirmed member: a node
     * that may be lost writes nothing and removes nothing (fencing settles its containers when it is back).
     */
    public synchronized void pass() {
        if (fence.standing() != FenceState.Standing.MEMBER) {
            return;
        }
        // records first: a record the restorer marked RUNNING was preceded by its local container, so the local
        // listing read after it includes that container (read the other way round, it could be deleted as gone)
        Map<String, Ownerships.Versioned> records = new HashMap<>();
        for (Ownerships.Versioned v : ownerships.all()) {
            records.put(v.record().containerId(), v);
        }
        Set<String> live = new HashSet<>();
        for (ContainerRecord r : store.all()) {
            if (r.status() == ContainerStatus.creating || copies.fenced().contains(r.id())) {
                live.add(r.id());
                continue;
            }
            if (r.status().live()) {
                live.add(r.id());
            }
            settle(r, Optional.ofNullable(records.get(r.id())), false);
        }
        for (Ownerships.Versioned v : records.values()) {
            OwnershipRecord o = v.record();
            if (o.node().equals(node.nodeId()) && o.state() == OwnershipRecord.State.RUNNING
                    && !live.contains(o.containerId())) {
                // it exited for good or was removed here: nobody runs it, and nobody is to restore it
                if (ownerships.delete(v)) {
                    LOG.debugf("dropped the ownership record of %s: it no longer lives here", o.containerId());
                }
            }
        }
    }

    /** Brings the record of one container in step now (after an API call changed it). */
    public synchronized void changed(String containerId) {
        if (fence.standing() != FenceState.Standing.MEMBER) {
            return;
        }
        Optional<Ownerships.Versioned> current = ownerships.get(containerId);
        Optional<ContainerRecord> r = store.byId(containerId);
        if (r.isPresent() && r.get().status() != ContainerStatus.creating && !copies.fenced().contains(containerId)) {
            settle(r.get(), current, false);
        } else if (r.isEmpty() && current.isPresent() && current.get().record().node().equals(node.nodeId())
                && current.get().record().state() == OwnershipRecord.State.RUNNING) {
            ownerships.delete(current.get());
        }
    }

    /**
     * Settles a container fencing froze, once the node is a member again: thawed if it is still ours (after a
     * compare-and-set that makes any move decided earlier fail), taken back if it was given up as lost, removed
     * if another node owns it now. False when it must wait (its record is being restored, or a write raced).
     */
    public synchronized boolean resolveFenced(String containerId) {
        Optional<ContainerRecord> r = store.byId(containerId);
        if (r.isEmpty()) {
            copies.fenced().remove(containerId);
            return true;
        }
        Optional<Ownerships.Versioned> current = ownerships.get(containerId);
        OwnershipRecord desired = desired(r.get());
        Verdict verdict = LocalOwnership.decide(current.map(Ownerships.Versioned::record), desired);
        boolean ours = switch (verdict) {
            case CREATE -> ownerships.create(desired);
            case KEEP, UPDATE -> ownerships.replace(current.get(),
                    LocalOwnership.updated(current.get().record(), desired, clock.instant())).isPresent();
            case RECLAIM -> ownerships.replace(current.get(),
                    LocalOwnership.reclaimed(current.get().record(), desired, clock.instant())).isPresent();
            case RESTORER -> false;
            case REMOVE_LOCAL -> {
                copies.removeStale(containerId, LocalOwnership.removalReason(current.get().record()));
                yield false;
            }
        };
        if (verdict == Verdict.REMOVE_LOCAL) {
            return true;
        }
        if (ours) {
            copies.thaw(containerId);
            return true;
        }
        return false;
    }

    /**
     * The check before a restarted daemon serves: a container moved while it was away is removed here, one given
     * up as lost is taken back, one still ours has its record rewritten by compare-and-set (so a move decided
     * from what the cluster knew before this daemon re-joined cannot be committed), and missing records are made.
     */
    public synchronized void atStartup() {
        Map<String, Ownerships.Versioned> records = new HashMap<>();
        for (Ownerships.Versioned v : ownerships.all()) {
            records.put(v.record().containerId(), v);
        }
        for (ContainerRecord r : store.all()) {
            if (r.status() == ContainerStatus.creating) {
                continue;
            }
            if (copies.fenced().contains(r.id())) {
                resolveFenced(r.id());
                continue;
            }
            settle(r, Optional.ofNullable(records.get(r.id())), true);
        }
    }

    private void settle(ContainerRecord r, Optional<Ownerships.Versioned> current, boolean touch) {
        try {
            if (!r.status().live()) {
                // a dead copy of a container another node owns would take its name when it comes back here
                current.filter(v -> !v.record().node().equals(node.nodeId())).ifPresent(v ->
                        copies.removeStale(r.id(), LocalOwnership.removalReason(v.record())));
                return;
            }
            OwnershipRecord desired = desired(r);
            Verdict verdict = LocalOwnership.decide(current.map(Ownerships.Versioned::record), desired);
            switch (verdict) {
                case CREATE -> ownerships.create(desired);
                case KEEP -> {
                    if (touch) {
                        ownerships.replace(current.get(),
                                LocalOwnership.updated(current.get().record(), desired, clock.instant()));
                    }
                }
                case UPDATE -> ownerships.replace(current.get(),
                        LocalOwnership.updated(current.get().record(), desired, clock.instant()));
                case RECLAIM -> {
                    ownerships.replace(current.get(),
                            LocalOwnership.reclaimed(current.get().record(), desired, clock.instant()))
                            .ifPresent(v -> LOG.infof("took back container %s: it was lost, and nobody took it",
                                    r.name()));
                }
                case RESTORER -> {
                }
                case REMOVE_LOCAL -> copies.removeStale(r.id(), LocalOwnership.removalReason(current.get().record()));
            }
        } catch (RuntimeException e) {
            // one container's trouble must not keep the others' records stale; the next pass retries it
            LOG.warnf("ownership of %s not settled: %s", r.name(), e.getMessage());
        }
    }

    private OwnershipRecord desired(ContainerRecord r) {
        return LocalOwnership.desired(r, store.policy(r.id()), node.nodeId(), System.getProperty("os.arch"),
                node.criuVersion(), clock.instant());
    }
}
