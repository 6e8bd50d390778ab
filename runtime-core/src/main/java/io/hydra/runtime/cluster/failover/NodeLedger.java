package io.hydra.runtime.cluster.failover;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.jboss.logging.Logger;

import io.hydra.runtime.cluster.ClusterJson;
import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.VersionedValue;

/**
 * The controller's record of which nodes it announced lost or joined, by compare-and-set: of two controllers (one
 * deposed and not yet aware of it), only one makes each transition, so each is announced once.
 */
final class NodeLedger {
    static final String MEMBERS = "members/";

    private static final Logger LOG = Logger.getLogger(NodeLedger.class);

    private final Coordinator coordinator;

    NodeLedger(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** Every node announced and what was announced last. */
    Map<String, NodeLiveness> all() {
        Map<String, NodeLiveness> all = new LinkedHashMap<>();
        for (VersionedValue v : coordinator.list(NodeLiveness.PREFIX)) {
            NodeLiveness n = ClusterJson.read(v.key(), v.value(), NodeLiveness.class);
            all.put(n.node(), n);
        }
        return all;
    }

    /** When each node announced lost was found lost. */
    Map<String, Instant> losses() {
        Map<String, Instant> losses = new LinkedHashMap<>();
        all().values().stream().filter(n -> !n.live()).forEach(n -> losses.put(n.node(), n.since()));
        return losses;
    }

    /**
     * Records {@code node} lost at {@code now} unless it is already; true when this call made the transition (the
     * caller announces it). The node's persistent {@code members/<id>} record gets the same {@code lostAt}, for
     * {@code hydra nodes}.
     */
    boolean markLost(String node, Instant now) {
        if (!transition(node, NodeLiveness.lost(node, now))) {
            return false;
        }
        stampMemberLost(node, now);
        return true;
    }

    /** Records {@code node} joined unless it is already; true when this call made the transition. */
    boolean markJoined(String node, Instant now) {
        return transition(node, NodeLiveness.joined(node, now));
    }

    private boolean transition(String node, NodeLiveness next) {
        String key = NodeLiveness.PREFIX + node;
        Optional<VersionedValue> current = coordinator.get(key);
        if (current.isEmpty()) {
            return coordinator.create(key, ClusterJson.write(next)).isPresent();
        }
        NodeLiveness was = ClusterJson.read(key, current.get().value(), NodeLiveness.class);
        if (was.live() == next.live()) {
            return false;
        }
        return coordinator.compareAndSet(key, current.get().version(), ClusterJson.write(next)).isPresent();
    }

    /**
     * Sets {@code lostAt} on the node's persistent record if it has none; a node that re-joins writes it anew. A
     * record changed in between is read again, a few times: it is for display, the ledger is what decides.
     */
    private void stampMemberLost(String node, Instant at) {
        String key = MEMBERS + node;
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<VersionedValue> current = coordinator.get(key);
            if (current.isEmpty()) {
                return;
            }
            NodeRecord record = ClusterJson.read(key, current.get().value(), NodeRecord.class);
            if (record.lostAt() != null) {
                return;
            }
            OptionalLong written = coordinator.compareAndSet(key, current.get().version(),
                    ClusterJson.write(record.lost(at)));
            if (written.isPresent()) {
                return;
            }
        }
    }

    /** The persistent records of every node that ever joined, by id (those not live now are the lost ones). */
    Map<String, NodeRecord> members() {
        Map<String, NodeRecord> members = new LinkedHashMap<>();
        for (VersionedValue v : coordinator.list(MEMBERS)) {
            try {
                NodeRecord r = ClusterJson.read(v.key(), v.value(), NodeRecord.class);
                members.put(r.id(), r);
            } catch (IllegalStateException e) {
                LOG.warnf("skipping an unreadable node record: %s", e.getMessage());
            }
        }
        return members;
    }
}
