package io.hydra.spi.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The cluster's shared state, held by an engine that does consensus (etcd): node membership on leases, one elected
 * controller, and small versioned records changed only by compare-and-set. Keys are relative ({@code owners/abc});
 * the plugin places them under its own prefix. Values are UTF-8 text whose schema is the core's, not the plugin's.
 *
 * <p>Every call has a deadline of the plugin's choosing and fails with {@link CoordinatorException} rather than hang:
 * a daemon that cannot reach its coordinator must be able to find out, and fence itself, in time.
 */
public interface Coordinator extends AutoCloseable {
    /**
     * Joins as node {@code nodeId} advertising {@code record}, or re-joins after a daemon restart. The node's lease is
     * kept alive from outside the daemon's process, so a restarted daemon finds its lease still live and adopts it;
     * a daemon whose lease expired while it was away gets a new one ({@link Membership#rejoined()} tells which).
     *
     * @throws CoordinatorException {@link CoordinatorException.Kind#NODE_ID_TAKEN} when another live member holds the
     *                              id, {@link CoordinatorException.Kind#UNREACHABLE} when the engine cannot be reached
     */
    Membership join(String nodeId, String record);

    /** The members whose lease is live now, by node id. */
    List<Member> liveMembers();

    /**
     * Tells {@code listener} of every member that joins (or changes its record) and every one whose lease ends, in
     * order, on a thread of the plugin's. The current members are reported first as joined.
     */
    Subscription watchMembers(Consumer<MemberEvent> listener);

    /**
     * Campaigns for the controller role as {@code candidate}. Leadership is held on the daemon's own session (it ends
     * when this daemon's process dies or loses the engine), never on the node's lease: a dead daemon on a live node
     * must not keep the role.
     */
    Subscription campaign(String candidate, LeadershipListener listener);

    /** The candidate that holds the controller role now, if any. */
    Optional<String> leader();

    Optional<VersionedValue> get(String key);

    /** Every record whose key starts with {@code prefix}, in key order. */
    List<VersionedValue> list(String prefix);

    /** Creates {@code key} if it does not exist; its new version, or empty when it existed. */
    OptionalLong create(String key, String value);

    /** Replaces {@code key} if its version is still {@code expectedVersion}; the new version, or empty when not. */
    OptionalLong compareAndSet(String key, long expectedVersion, String value);

    /** Deletes {@code key} if its version is still {@code expectedVersion}. */
    boolean compareAndDelete(String key, long expectedVersion);

    /** Tells {@code listener} of every change under {@code prefix}, in order, from now on. */
    Subscription watch(String prefix, Consumer<RecordEvent> listener);

    /** Whether the engine answers a read within {@code timeout} (a peer asks this when it cannot reach it itself). */
    boolean reachable(Duration timeout);

    @Override
    void close();
}
