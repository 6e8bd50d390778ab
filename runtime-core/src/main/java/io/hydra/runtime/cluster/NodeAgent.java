package io.hydra.runtime.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.VersionedValue;

/**
 * This node's membership: joins with its record, keeps {@code members/<id>} (persistent, so {@code hydra nodes}
 * still shows the node once its lease is gone) and re-advertises its record on the lease when what it says changed,
 * at most every {@link #MIN_UPDATE_INTERVAL}: etcd's traffic at rest must stay small.
 */
public final class NodeAgent implements Fencing.Lease {
    public static final String MEMBERS = "members/";
    static final Duration MIN_UPDATE_INTERVAL = Duration.ofSeconds(5);
    private static final Logger LOG = Logger.getLogger(NodeAgent.class);

    private final Coordinator coordinator;
    private final LocalNode node;
    private final Clock clock;
    private volatile Membership membership;
    private NodeRecord advertised;
    private Instant advertisedAt = Instant.MIN;

    public NodeAgent(Coordinator coordinator, LocalNode node, Clock clock) {
        this.coordinator = coordinator;
        this.node = node;
        this.clock = clock;
    }

    /**
     * Joins the cluster (adopting the lease a previous daemon of this node left live) and writes the member record.
     *
     * @throws io.hydra.spi.cluster.CoordinatorException as {@link Coordinator#join} does
     */
    public synchronized Membership join() {
        NodeRecord record = node.record(clock.instant());
        membership = coordinator.join(node.nodeId(), ClusterJson.write(record));
        advertised(record);
        writeMember(record);
        return membership;
    }

    /** Takes a new lease after the old one expired (the node was lost meanwhile) and advertises on it. */
    @Override
    public synchronized void rejoin() {
        NodeRecord record = node.record(clock.instant());
        membership.rejoin(ClusterJson.write(record));
        advertised(record);
        writeMember(record);
        LOG.infof("node %s re-joined the cluster on a new lease", node.nodeId());
    }

    /** Re-advertises the record if it changed and the last write is old enough. */
    public synchronized void refresh() {
        Instant now = clock.instant();
        if (membership == null || membership.expired() || now.isBefore(advertisedAt.plus(MIN_UPDATE_INTERVAL))) {
            return;
        }
        NodeRecord record = node.record(now);
        if (LocalNode.sameContent(record, advertised)) {
            return;
        }
        membership.update(ClusterJson.write(record));
        advertised(record);
    }

    @Override
    public Membership membership() {
        return membership;
    }

    @Override
    public String nodeId() {
        return node.nodeId();
    }

    public LocalNode node() {
        return node;
    }

    /** The record last advertised (what the cluster sees of this node). */
    public synchronized NodeRecord advertised() {
        return advertised;
    }

    private void advertised(NodeRecord record) {
        advertised = record;
        advertisedAt = clock.instant();
    }

    /** {@code members/<id>} = the record, with no lostAt: the node is back. Retried over concurrent writers. */
    private void writeMember(NodeRecord record) {
        String key = MEMBERS + node.nodeId();
        String value = ClusterJson.write(record);
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<VersionedValue> current = coordinator.get(key);
            boolean written = current.isEmpty() ? coordinator.create(key, value).isPresent()
                    : coordinator.compareAndSet(key, current.get().version(), value).isPresent();
            if (written) {
                return;
            }
        }
        throw new IllegalStateException("cannot write the member record " + key + ": it changed under every"
                + " attempt");
    }
}
