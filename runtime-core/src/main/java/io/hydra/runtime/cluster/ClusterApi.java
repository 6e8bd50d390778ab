package io.hydra.runtime.cluster;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.ClusterGrpc;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.Node;
import io.hydra.api.v1.NodeList;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.Member;
import io.hydra.spi.cluster.VersionedValue;

/**
 * {@code Cluster.Nodes} ({@code hydra nodes}), on both endpoints: every node the cluster has known (its persistent
 * {@code members/} record) and those whose lease is live now; a node without a live lease is {@code lost}. A daemon
 * without a cluster answers with itself alone and {@code clustered = false}.
 */
public final class ClusterApi extends ClusterGrpc.ClusterImplBase {
    private final Optional<Coordinator> coordinator;
    private final Supplier<NodeRecord> self;

    /** @param coordinator empty on a single node; {@code self} is then the only node shown */
    public ClusterApi(Optional<Coordinator> coordinator, Supplier<NodeRecord> self) {
        this.coordinator = coordinator;
        this.self = self;
    }

    @Override
    public void nodes(Empty request, StreamObserver<NodeList> observer) {
        NodeList list;
        try {
            list = coordinator.map(this::clustered).orElseGet(() -> NodeList.newBuilder().setClustered(false)
                    .addNodes(node(self.get(), "ready", self.get().updatedAt(), false)).build());
        } catch (CoordinatorException e) {
            observer.onError(Status.UNAVAILABLE.withDescription("the cluster's coordinator cannot be reached: "
                    + e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalStateException e) {
            observer.onError(Status.DATA_LOSS.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        observer.onNext(list);
        observer.onCompleted();
    }

    private NodeList clustered(Coordinator c) {
        Map<String, NodeRecord> known = new TreeMap<>();
        for (VersionedValue v : c.list(NodeAgent.MEMBERS)) {
            NodeRecord r = ClusterJson.read(v.key(), v.value(), NodeRecord.class);
            known.put(r.id(), r);
        }
        Map<String, NodeRecord> live = new TreeMap<>();
        for (Member m : c.liveMembers()) {
            live.put(m.nodeId(), ClusterJson.read("nodes/" + m.nodeId(), m.record(), NodeRecord.class));
        }
        String leader = c.leader().orElse("");
        NodeList.Builder b = NodeList.newBuilder().setClustered(true);
        for (String id : union(known, live)) {
            NodeRecord r = live.containsKey(id) ? live.get(id) : known.get(id);
            boolean ready = live.containsKey(id);
            Instant lastSeen = ready ? r.updatedAt() : Optional.ofNullable(known.get(id).lostAt())
                    .orElse(known.get(id).updatedAt());
            b.addNodes(node(r, ready ? "ready" : "lost", lastSeen, id.equals(leader)));
        }
        return b.build();
    }

    private static java.util.SortedSet<String> union(Map<String, NodeRecord> a, Map<String, NodeRecord> b) {
        java.util.SortedSet<String> ids = new java.util.TreeSet<>(a.keySet());
        ids.addAll(b.keySet());
        return ids;
    }

    private static Node node(NodeRecord r, String status, Instant lastSeen, boolean leader) {
        return Node.newBuilder().setId(r.id()).setAddress(r.address()).setStatus(status)
                .setContainers(r.containers()).setFreeMemoryBytes(r.freeMemoryBytes()).putAllLabels(r.labels())
                .setLastSeen(lastSeen == null ? "" : lastSeen.toString()).setLeader(leader)
                .setTotalMemoryBytes(r.totalMemoryBytes()).setCpuMillis(r.cpuMillis()).setArch(r.arch())
                .setKernel(r.kernel()).setCriuVersion(r.criuVersion())
                .setStartedAt(r.startedAt() == null ? "" : r.startedAt().toString()).build();
    }
}
