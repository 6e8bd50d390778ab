package io.hydra.runtime.cluster;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.hydra.runtime.state.CheckpointPolicy;
import io.hydra.runtime.state.ContainerRecord;

/**
 * The ownership record a local container should have, and what to do when the cluster's record says otherwise.
 * Pure: the same inputs always give the same answer, so the rules are testable without a cluster.
 */
public final class LocalOwnership {
    /** What the node does with one live local container, given the cluster's record of it. */
    public enum Verdict {
        /** No record: write one (this node owns what it runs). */
        CREATE,
        /** Ours, running, and it says what the container is: nothing to do. */
        KEEP,
        /** Ours and running, but its policy, constraints or resources changed: replace it by compare-and-set. */
        UPDATE,
        /** Ours and being restored: the failover restorer (or a migration's target) drives it, nobody else does. */
        RESTORER,
        /** Ours but given up as lost while this node was away: nobody took it, so take it back (one epoch more). */
        RECLAIM,
        /** Another node owns it (or restores it): this copy is stale and must go, its checkpoints kept. */
        REMOVE_LOCAL
    }

    private LocalOwnership() {
    }

    /** The record of a container this node runs, as it is now (epoch 1 for a new record). */
    public static OwnershipRecord desired(ContainerRecord r, Optional<CheckpointPolicy> policy, String nodeId,
                                          String arch, String criuVersion, Instant now) {
        ContainerResources res = ContainerResources.of(r);
        Map<String, String> constraints = policy.filter(p -> !p.constraints().isEmpty())
                .map(CheckpointPolicy::constraints).orElse(r.options().constraints());
        boolean isProtected = policy.map(CheckpointPolicy::protects).orElse(false);
        return new OwnershipRecord(r.id(), r.name(), nodeId, 1, OwnershipRecord.State.RUNNING, isProtected,
                policy.map(p -> p.every().toMillis()).orElse(0L), policy.map(CheckpointPolicy::keep).orElse(0),
                constraints, res.memoryBytes(), res.cpuMillis(), r.options().imageDigest(), res.rootfs(), arch,
                criuVersion, "", null, 0, "", now);
    }

    public static Verdict decide(Optional<OwnershipRecord> current, OwnershipRecord desired) {
        if (current.isEmpty()) {
            return Verdict.CREATE;
        }
        OwnershipRecord c = current.get();
        if (!c.node().equals(desired.node())) {
            return Verdict.REMOVE_LOCAL;
        }
        return switch (c.state()) {
            case RESTORING, MIGRATING -> Verdict.RESTORER;
            case LOST -> Verdict.RECLAIM;
            case RUNNING -> describes(c, desired) ? Verdict.KEEP : Verdict.UPDATE;
        };
    }

    /** {@code current} with what {@code desired} says of the container; where it is and its history are kept. */
    public static OwnershipRecord updated(OwnershipRecord current, OwnershipRecord desired, Instant now) {
        return new OwnershipRecord(current.containerId(), desired.name(), current.node(), current.epoch(),
                current.state(), desired.isProtected(), desired.everyMillis(), desired.keep(), desired.constraints(),
                desired.memoryBytes(), desired.cpuMillis(), desired.imageDigest(), desired.rootfs(), desired.arch(),
                desired.criuVersion(), current.fromNode(), current.lostAt(), current.restoredVersion(),
                current.reason(), now);
    }

    /** A lost record taken back by its node: running there again, one epoch more, so older writers are refused. */
    public static OwnershipRecord reclaimed(OwnershipRecord lost, OwnershipRecord desired, Instant now) {
        return new OwnershipRecord(lost.containerId(), desired.name(), desired.node(), lost.epoch() + 1,
                OwnershipRecord.State.RUNNING, desired.isProtected(), desired.everyMillis(), desired.keep(),
                desired.constraints(), desired.memoryBytes(), desired.cpuMillis(), desired.imageDigest(),
                desired.rootfs(), desired.arch(), desired.criuVersion(), lost.fromNode(), lost.lostAt(),
                lost.restoredVersion(), "reclaimed by " + desired.node() + " after it was lost", now);
    }

    /** Why a local copy is removed: the message of its removal event. */
    public static String removalReason(OwnershipRecord current) {
        return "owned by node " + current.node() + " since epoch " + current.epoch();
    }

    private static boolean describes(OwnershipRecord c, OwnershipRecord d) {
        return c.name().equals(d.name()) && c.isProtected() == d.isProtected() && c.everyMillis() == d.everyMillis()
                && c.keep() == d.keep() && c.constraints().equals(d.constraints())
                && c.memoryBytes() == d.memoryBytes() && c.cpuMillis() == d.cpuMillis()
                && c.imageDigest().equals(d.imageDigest()) && c.rootfs().equals(d.rootfs())
                && c.arch().equals(d.arch()) && c.criuVersion().equals(d.criuVersion());
    }
}
