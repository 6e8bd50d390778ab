package io.hydra.spi.cluster;

import java.time.Instant;

/** This node's place in the cluster: a lease kept alive outside the daemon, and the record advertised on it. */
public interface Membership {
    String nodeId();

    /** Whether {@link Coordinator#join} had to take a new lease because the old one had expired (the node was lost). */
    boolean rejoined();

    /** Replaces the advertised record (capacity, containers, caches) on the same lease. */
    void update(String record);

    /**
     * The local instant before which the lease is certainly still live: when it was last confirmed plus the time to
     * live the engine reported then, rounded down. Fencing freezes protected containers before this passes; it does
     * not move forward while the engine cannot be reached.
     */
    Instant liveUntil();

    /** Whether the engine has said the lease is gone: the cluster treats this node as lost until it re-joins. */
    boolean expired();

    /**
     * Takes a new lease after {@link #expired()} and advertises {@code record} on it.
     *
     * @throws CoordinatorException when the engine cannot be reached
     */
    void rejoin(String record);

    /** Revokes the lease and stops its keeper: the node leaves on purpose (its protected containers fail over). */
    void leave();
}
