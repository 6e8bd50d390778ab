package io.hydra.runtime.cluster;

import java.time.Clock;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

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
    private final OwnershipView view;
    private final StateStore store;
    private final LocalCopies copies;
    private final FenceState fence;
    private final LocalNode node;
    private final Clock clock;
    private final Predicate<String> migrating;

    /**
     * @param migrating whether a live migration of the container from this node is under way: its record is the
     *                  migration's to move (between its last dump and the handover the container is not live here,
     *                  and must not look gone)
     */
    public OwnershipSync(Ownerships ownerships, OwnershipView view, StateStore store, LocalCopies copies,
                         FenceState fence, LocalNode node, Clock clock, Predicate<String> migrating) {
        this.ownerships = ownerships;
        this.view = view;
        this.store = store;
        this.copies = copies;
        this.fence = fence;
        this.node = node;
        this.clock = clock;
        this.migrating = migrating;
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
        Map<String, Ownerships.Versioned> records = view.forPass();
        Set<String> live = new HashSet<>();
        for (ContainerRecord r : store.all()) {
            if (r.status() == ContainerStatus.creating || copies.fenced().contains(r.id())
                    || migrating.test(r.id())) {
                live.add(r.id());
                continue;
            }
            if (r.status().live()) {
                live.add(r.id());
            }
            settle(r, Optional.ofNullable(records.get(r.id())), false);
        }
        for (Ownerships.Versioned v : records.values()) {
            if (ownedRunning(v) && !live.contains(v.record().containerId())) {
                dropIfGone(v.record().containerId());
            }
        }
    }

    private boolean ownedRunning(Ownerships.Versioned v) {
        return v.record().node().equals(node.nodeId()) && v.record().state() == OwnershipRecord.State.RUNNING;
    }

    /** Deletes the record of a container that exited for good or was removed here (read afresh first). */
    private void dropIfGone(String containerId) {
        try {
            Optional<Ownerships.Versioned> now = view.fresh(containerId);
            boolean live = store.byId(containerId).map(r -> r.status().live()
                    || r.status() == ContainerStatus.creating).orElse(false);
            if (now.isPresent() && ownedRunning(now.get()) && !live && !migrating.test(containerId)
                    && ownerships.delete(now.get())) {
                LOG.debugf("dropped the ownership record of %s: it no longer lives here", containerId);
            }
        } catch (RuntimeException e) {
            LOG.warnf("ownership record of %s not dropped yet: %s", containerId, e.getMessage());
        }
    }

    /** Brings the record of one container in step now (after an API call changed it). */
    public synchronized void changed(String containerId) {
        if (fence.standing() != FenceState.Standing.MEMBER) {
            return;
        }
        Optional<ContainerRecord> r = store.byId(containerId);
        if (migrating.test(containerId)) {
            return;
        }
        if (r.isPresent() && r.get().status() != ContainerStatus.creating && !copies.fenced().contains(containerId)) {
            settle(r.get(), view.fresh(containerId), false);
        } else if (r.isEmpty()) {
            dropIfGone(containerId);
        }
    }

    /**
     * Settles a container fencing froze, once the node is a member again: thawed if it is still ours (after a
     * compare-and-set that makes any move decided earlier fail), taken back if it was given up as lost, removed
     * if another node owns it now. False when it must wait (its record is being restored, or a write raced).
     */
    public synchronized boolean resolveFenced(String containerId) {
        Optional<ContainerRecord> r = store.byId(containerId);
        if (r.isEmpty() || !r.get().status().live()) {
            // removed or killed while frozen: nothing left to thaw (the pass settles its record)
            copies.fenced().remove(containerId);
            return true;
        }
        Optional<Ownerships.Versioned> current = view.fresh(containerId);
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
        Map<String, Ownerships.Versioned> records = view.forPass();
        for (ContainerRecord r : store.all()) {
            if (r.status() == ContainerStatus.creating || migrating.test(r.id())) {
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
                if (current.filter(v -> !v.record().node().equals(node.nodeId())).isPresent()) {
                    view.fresh(r.id()).filter(v -> !v.record().node().equals(node.nodeId())).ifPresent(v ->
                            copies.removeStale(r.id(), LocalOwnership.removalReason(v.record())));
                }
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
                case REMOVE_LOCAL -> {
                    // irreversible: only on what the coordinator says now, not on what the watch said
                    Optional<Ownerships.Versioned> now = view.fresh(r.id());
                    if (LocalOwnership.decide(now.map(Ownerships.Versioned::record), desired)
                            == Verdict.REMOVE_LOCAL) {
                        copies.removeStale(r.id(), LocalOwnership.removalReason(now.get().record()));
                    }
                }
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
