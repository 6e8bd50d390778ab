package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.spi.scheduler.Placement;
import io.hydra.spi.scheduler.Scheduler;

/**
 * The controller's decisions as a function of one read of the cluster: which containers move where, and which are
 * lost. It writes nothing; the controller applies each action by compare-and-set, so a decision taken from a read
 * that is stale by then is simply not applied.
 */
public final class FailoverPlanner {
    private final Scheduler scheduler;
    private final Duration grace;

    public FailoverPlanner(Scheduler scheduler, Duration grace) {
        this.scheduler = scheduler;
        this.grace = grace;
    }

    /**
     * One pass's read of the cluster.
     *
     * @param records     every ownership record
     * @param live        the members whose lease is live
     * @param losses      when each lost node was found lost (nodes not in it and not live are not acted on yet)
     * @param rootfsHolders for each {@code rootfs} directory asked about, the live nodes that hold it
     * @param retryLost   whether lost protected containers are to be placed again (a node joined)
     */
    public record View(List<Ownerships.Versioned> records, LiveNodes live, Map<String, Instant> losses,
                       Map<String, Set<String>> rootfsHolders, boolean retryLost, Instant now) {
        public View {
            records = List.copyOf(records);
            losses = Map.copyOf(losses);
            rootfsHolders = Map.copyOf(rootfsHolders);
        }
    }

    public List<FailoverAction> plan(View view) {
        PlannedCapacity capacity = new PlannedCapacity(view.live().views());
        List<FailoverAction> actions = new ArrayList<>();
        for (Ownerships.Versioned v : view.records()) {
            decide(v, view, capacity).ifPresent(actions::add);
        }
        return actions;
    }

    /** The {@code rootfs} directories whose holders a pass must ask the live peers for before it plans. */
    public Set<String> rootfsToProbe(List<Ownerships.Versioned> records, LiveNodes live, boolean retryLost) {
        Set<String> paths = new LinkedHashSet<>();
        for (Ownerships.Versioned v : records) {
            OwnershipRecord r = v.record();
            if (!r.rootfs().isEmpty() && r.isProtected() && mayMove(r, live, retryLost)) {
                paths.add(r.rootfs());
            }
        }
        return paths;
    }

    private static boolean mayMove(OwnershipRecord r, LiveNodes live, boolean retryLost) {
        return r.state() == State.LOST ? retryLost : !live.isLive(r.node());
    }

    private Optional<FailoverAction> decide(Ownerships.Versioned v, View view, PlannedCapacity capacity) {
        OwnershipRecord r = v.record();
        boolean nodeLive = view.live().isLive(r.node());
        if (r.state() == State.LOST) {
            if (!r.isProtected() || !view.retryLost()) {
                return Optional.empty();
            }
            // a lost container's node may be back, and is then as good a place as any (it restores from storage,
            // or finds the copy fencing froze); while it is away it is avoided
            Optional<String> avoid = nodeLive ? Optional.empty() : Optional.of(r.node());
            return place(r, avoid, view, capacity).map(target -> new FailoverAction.Move(v, target,
                    r.lostAt() == null ? view.now() : r.lostAt()));
        }
        if (nodeLive) {
            return Optional.empty();
        }
        Instant lostAt = view.losses().get(r.node());
        // a node not yet recorded as lost is recorded first (the controller does), so every move names one loss
        if (lostAt == null || view.now().isBefore(lostAt.plus(grace))) {
            return Optional.empty();
        }
        if (!r.isProtected()) {
            return Optional.of(new FailoverAction.Lose(v, "node " + r.node() + " lost; not protected", lostAt));
        }
        Optional<String> avoid = Optional.of(r.node());
        Placement placement = placement(r, avoid, view, capacity);
        if (placement.nodeId().isPresent()) {
            return Optional.of(new FailoverAction.Move(v, placement.nodeId().get(), lostAt));
        }
        return Optional.of(new FailoverAction.Lose(v, "node " + r.node() + " lost; no node can take it: "
                + placement.reason(), lostAt));
    }

    private Optional<String> place(OwnershipRecord r, Optional<String> avoid, View view, PlannedCapacity capacity) {
        return placement(r, avoid, view, capacity).nodeId();
    }

    private Placement placement(OwnershipRecord r, Optional<String> avoid, View view, PlannedCapacity capacity) {
        Set<String> holders = view.rootfsHolders().getOrDefault(r.rootfs(), Set.of());
        Placement placement = scheduler.place(PlacementRequests.of(r, avoid, holders), capacity.views());
        String target = placement.nodeId().orElse(null);
        if (target != null && (!view.live().isLive(target) || avoid.filter(target::equals).isPresent())) {
            // the core does not trust a plugin with the one rule that keeps two copies apart
            return Placement.none("the scheduler " + scheduler.name() + " chose node " + target
                    + ", which is not a live node it may use");
        }
        if (target != null) {
            capacity.claim(target, r.memoryBytes(), r.cpuMillis());
        }
        return placement;
    }
}
