package io.hydra.runtime.cluster;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where this node stands with its cluster, as fencing last found it; read by everything that must not act for a
 * node that may already be considered lost (policy checkpoints, ownership writes) and shown in {@code hydra info}.
 */
public final class FenceState {
    public enum Standing {
        /** The lease is confirmed live: the node may act. */
        MEMBER,
        /** The coordinator cannot be reached, by this node nor any peer that answered: nobody can fail over. */
        OUTAGE,
        /** The lease may have ended (or has): protected containers are frozen until the node is a member again. */
        FENCED
    }

    public record Snapshot(Standing standing, String reason, Instant since) {
    }

    private final AtomicReference<Snapshot> current =
            new AtomicReference<>(new Snapshot(Standing.MEMBER, "", Instant.now()));

    public Snapshot get() {
        return current.get();
    }

    public Standing standing() {
        return current.get().standing();
    }

    /** Whether the node must not write checkpoint versions or ownership records now. */
    public boolean fenced() {
        return current.get().standing() == Standing.FENCED;
    }

    void set(Standing standing, String reason) {
        current.updateAndGet(s -> s.standing() == standing && s.reason().equals(reason) ? s
                : new Snapshot(standing, reason, s.standing() == standing ? s.since() : Instant.now()));
    }
}
