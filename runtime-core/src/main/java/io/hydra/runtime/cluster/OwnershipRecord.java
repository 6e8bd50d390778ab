package io.hydra.runtime.cluster;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Where a container of the cluster runs, kept by the coordinator under {@code owners/<id>}. Every move (failover,
 * migration) replaces it by compare-and-set with a higher epoch, so two nodes can never both think they own it; every
 * side effect that can carry the epoch does (events, checkpoint commits are checked against it).
 *
 * @param node            the node that owns it: runs it, or is restoring it ({@link State#RESTORING})
 * @param epoch           1 when created, one more on every move
 * @param isProtected     has a checkpoint policy and no {@code --no-failover}: restored elsewhere when its node is lost
 * @param everyMillis     its checkpoint policy's interval, 0 without one (the new owner takes the policy over)
 * @param keep            its checkpoint policy's versions kept, 0 without one
 * @param constraints     node labels a new owner must have
 * @param memoryBytes     its memory limit, 0 for none
 * @param cpuMillis       its CPU limit in thousandths of a core, 0 for none
 * @param imageDigest     the image it was created from, or empty
 * @param rootfs          the directory it brings its own root from ({@code --rootfs}, {@code --bundle}), or empty
 * @param arch            the architecture of the node that checkpoints it
 * @param criuVersion     the CRIU version of the node that checkpoints it
 * @param fromNode        the node it was moved from by the last move, or empty
 * @param lostAt          when its node was found lost, for the move in progress or the last one; null otherwise
 * @param restoredVersion the checkpoint version the last move restored, 0 before any
 * @param reason          why it is {@link State#LOST}, or what the last move had to do (a version walked past)
 */
public record OwnershipRecord(String containerId, String name, String node, long epoch, State state,
                              boolean isProtected, long everyMillis, int keep, Map<String, String> constraints,
                              long memoryBytes, long cpuMillis, String imageDigest, String rootfs, String arch,
                              String criuVersion, String fromNode, Instant lostAt, long restoredVersion,
                              String reason, Instant updatedAt) {
    public enum State {
        /** Runs on {@link #node()}. */
        RUNNING,
        /** {@link #node()} has been chosen to restore it and has not reported yet. */
        RESTORING,
        /** Runs nowhere: its node was lost and no node could take it (or it is not protected). */
        LOST,
        /**
         * Handed over by a live migration: {@link #fromNode()} has dumped it for the last time and {@link #node()}
         * restores exactly {@link #restoredVersion()}, then reports it {@code RUNNING}; if it cannot, it hands it
         * back ({@link #handedBack}). Nobody else restores it meanwhile, and the failover restorer ignores it.
         */
        MIGRATING
    }

    public OwnershipRecord {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(state, "state");
        name = name == null ? "" : name;
        node = node == null ? "" : node;
        constraints = constraints == null ? Map.of() : Map.copyOf(constraints);
        imageDigest = imageDigest == null ? "" : imageDigest;
        rootfs = rootfs == null ? "" : rootfs;
        arch = arch == null ? "" : arch;
        criuVersion = criuVersion == null ? "" : criuVersion;
        fromNode = fromNode == null ? "" : fromNode;
        reason = reason == null ? "" : reason;
    }

    /** The record after a move to {@code target}: one epoch more, restoring there. */
    public OwnershipRecord movedTo(String target, Instant lostAt, Instant now) {
        return new OwnershipRecord(containerId, name, target, epoch + 1, State.RESTORING, isProtected, everyMillis,
                keep, constraints, memoryBytes, cpuMillis, imageDigest, rootfs, arch, criuVersion, node, lostAt,
                restoredVersion, "", now);
    }

    /** The record a migration writes once its final dump is {@code version}: one epoch more, {@code target}'s. */
    public OwnershipRecord migratingTo(String target, long version, String migrationId, Instant now) {
        return new OwnershipRecord(containerId, name, target, epoch + 1, State.MIGRATING, isProtected, everyMillis,
                keep, constraints, memoryBytes, cpuMillis, imageDigest, rootfs, arch, criuVersion, node, null,
                version, "migration " + migrationId + " from " + node, now);
    }

    /**
     * A migration's target gives the container back to the node it came from, which restores it from its newest
     * version as after a failover: one epoch more, so the target's late report cannot be committed.
     */
    public OwnershipRecord handedBack(String why, Instant now) {
        return new OwnershipRecord(containerId, name, fromNode, epoch + 1, State.RESTORING, isProtected, everyMillis,
                keep, constraints, memoryBytes, cpuMillis, imageDigest, rootfs, arch, criuVersion, node, null,
                restoredVersion, why, now);
    }

    /** The record once its owner runs it, restored from {@code version} (0: not by a restore). */
    public OwnershipRecord running(long version, String note, Instant now) {
        return new OwnershipRecord(containerId, name, node, epoch, State.RUNNING, isProtected, everyMillis, keep,
                constraints, memoryBytes, cpuMillis, imageDigest, rootfs, arch, criuVersion, fromNode, lostAt,
                version == 0 ? restoredVersion : version, note, now);
    }

    /** The record of a container that runs nowhere, and why; one epoch more, so a stale owner cannot resume it. */
    public OwnershipRecord lost(String why, Instant lostAt, Instant now) {
        return new OwnershipRecord(containerId, name, node, epoch + 1, State.LOST, isProtected, everyMillis, keep,
                constraints, memoryBytes, cpuMillis, imageDigest, rootfs, arch, criuVersion, fromNode, lostAt,
                restoredVersion, why, now);
    }
}
