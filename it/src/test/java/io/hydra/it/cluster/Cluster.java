package io.hydra.it.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.hydra.spi.cluster.testing.EtcdServer;

/**
 * A whole test cluster on this machine: its own subnet with a hub address where a real etcd and a real S3 server
 * (S3Proxy) listen, one CA, and nodes {@code n1..nN}, each a daemon in its own network namespace with its own
 * certificate, all sharing one bucket and manifest key. Nodes are created up front and started by the caller or
 * by {@link #startAll()}.
 */
final class Cluster implements AutoCloseable {
    private final Path dir;
    private final HubNetwork network;
    private final EtcdServer etcd;
    private final HubS3 s3;
    private final ClusterPki pki;
    private final Path rootfs;
    private final List<ClusterNode> nodes = new ArrayList<>();
    private final List<AutoCloseable> closeLast = new ArrayList<>();

    private Cluster(Path dir, HubNetwork network, EtcdServer etcd, HubS3 s3, ClusterPki pki, Path rootfs) {
        this.dir = dir;
        this.network = network;
        this.etcd = etcd;
        this.s3 = s3;
        this.pki = pki;
        this.rootfs = rootfs;
    }

    /**
     * A cluster of {@code size} nodes (not started), node {@code i} labelled {@code zone=z<i>} plus
     * {@code commonProperties}.
     */
    static Cluster create(String name, int size, String... commonProperties) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-it-cluster-" + name + "-");
        HubNetwork network = HubNetwork.create();
        EtcdServer etcd = null;
        HubS3 s3 = null;
        try {
            etcd = EtcdServer.start(network.hubAddress());
            s3 = HubS3.start(dir, network.hubAddress());
            Cluster cluster = new Cluster(dir, network, etcd, s3, ClusterPki.create(dir.resolve("pki")),
                    io.hydra.it.BusyboxRootfs.create(dir.resolve("rootfs")));
            for (int i = 1; i <= size; i++) {
                cluster.addNode("n" + i, i, List.of("zone=z" + i), List.of(commonProperties));
            }
            return cluster;
        } catch (Exception | Error e) {
            if (s3 != null) {
                s3.close();
            }
            if (etcd != null) {
                etcd.close();
            }
            network.close();
            throw e;
        }
    }

    /**
     * Adds a node (not started) as node number {@code number} of the subnet, with its own namespace and
     * certificate, labels and extra settings; {@code id} may repeat another node's (a bad-input test).
     */
    ClusterNode addNode(String id, int number, List<String> labels, List<String> extra) throws Exception {
        NetNamespace ns = network.namespace(number);
        closeLast.add(ns);
        ClusterPki.NodeCert cert = pki.issue(id + "-" + number, ns.address());
        List<String> properties = new ArrayList<>(List.of("hydra.node-id=" + id, "hydra.cluster=" + etcd.clusterUrl(),
                "hydra.listen=" + ns.address() + ":" + ClusterNode.PEER_PORT, "hydra.tls.cert=" + cert.cert(),
                "hydra.tls.key=" + cert.key(), "hydra.tls.ca=" + cert.ca()));
        if (!labels.isEmpty()) {
            properties.add("hydra.labels=" + String.join(",", labels));
        }
        properties.addAll(s3.daemonProperties());
        properties.addAll(extra);
        ClusterNode node = new ClusterNode(id, dir.resolve("node-" + number), ns, properties);
        nodes.add(node);
        return node;
    }

    /** A daemon without --cluster (a single node) in a namespace of this network, on the shared bucket. */
    ClusterNode addStandaloneNode(String id, int number) throws Exception {
        NetNamespace ns = network.namespace(number);
        closeLast.add(ns);
        List<String> properties = new ArrayList<>(List.of("hydra.node-id=" + id));
        properties.addAll(s3.daemonProperties());
        ClusterNode node = new ClusterNode(id, dir.resolve("node-" + number), ns, properties);
        nodes.add(node);
        return node;
    }

    /** A bare namespace of this cluster's network (number {@code n}), for the harness's own checks. */
    NetNamespace namespaceForTest(int n) throws Exception {
        NetNamespace ns = network.namespace(n);
        closeLast.add(ns);
        return ns;
    }

    Cluster startAll() throws Exception {
        // in parallel: each daemon's start-up is mostly waiting (JVM, etcd, S3)
        List<java.util.concurrent.CompletableFuture<Void>> starts = new ArrayList<>();
        for (ClusterNode node : nodes) {
            if (!node.running()) {
                starts.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        node.start();
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            }
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(starts.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .join();
            awaitReady(nodes.size());
        } catch (Exception | Error e) {
            // the caller never gets the cluster to close: nothing may outlive a failed start
            try {
                close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            if (e instanceof java.util.concurrent.CompletionException) {
                throw new AssertionError("a node did not start: " + e.getCause().getMessage(), e.getCause());
            }
            throw e;
        }
        return this;
    }

    /** Waits until some node's view has {@code count} ready nodes and a leader. */
    void awaitReady(int count) throws Exception {
        ClusterNode any = anyRunning();
        Shell.await(Duration.ofSeconds(30), count + " ready nodes and a leader in " + any.id + "'s view", () -> {
            // while the node cannot reach etcd (just restarted, say) it cannot list the nodes: not yet
            if (any.hydra("nodes", "--format", "json").code() != 0) {
                return false;
            }
            Map<String, JsonNode> view = any.nodes();
            long ready = view.values().stream().filter(n -> n.get("status").asText().equals("ready")).count();
            boolean leader = view.values().stream().anyMatch(n -> n.path("leader").asBoolean());
            return ready >= count && leader;
        });
    }

    ClusterNode node(int number) {
        return nodes.get(number - 1);
    }

    List<ClusterNode> nodes() {
        return List.copyOf(nodes);
    }

    ClusterNode anyRunning() {
        return nodes.stream().filter(ClusterNode::running).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node is running"));
    }

    /** The node whose daemon runs the controller, as the running nodes see it. */
    Optional<ClusterNode> leader() {
        Map<String, JsonNode> view = anyRunning().nodes();
        return view.values().stream().filter(n -> n.path("leader").asBoolean()).findFirst()
                .flatMap(n -> nodes.stream().filter(c -> c.id.equals(n.get("id").asText())).findFirst());
    }

    /** The node a container runs on now, by its ownership as a running node's inspect reports it. */
    ClusterNode owner(String container) {
        String on = anyRunning().inspect(container).path("node").asText();
        return nodes.stream().filter(n -> n.id.equals(on)).findFirst()
                .orElseThrow(() -> new AssertionError(container + " is on unknown node '" + on + "'"));
    }

    /** Every event in the outboxes of the running nodes, of this type. */
    List<JsonNode> events(String type) {
        List<JsonNode> found = new ArrayList<>();
        for (ClusterNode node : nodes) {
            if (node.running()) {
                node.events().stream().filter(e -> e.path("type").asText().equals(type)).forEach(found::add);
            }
        }
        return found;
    }

    EtcdServer etcd() {
        return etcd;
    }

    HubS3 s3() {
        return s3;
    }

    Path rootfs() {
        return rootfs;
    }

    Path dir() {
        return dir;
    }

    /** What a failing test prints: every node's daemon log, its tail. */
    String diagnostics() {
        StringBuilder b = new StringBuilder();
        for (ClusterNode node : nodes) {
            b.append("\n--- daemon log of ").append(node.id).append(" (").append(node.dir).append("):\n")
                    .append(ClusterNode.tail(node.readLog(), 4000));
        }
        return b.toString();
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (ClusterNode node : nodes) {
            try {
                node.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        for (AutoCloseable c : closeLast) {
            try {
                c.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        s3.close();
        etcd.close();
        network.close();
        if (!Boolean.getBoolean("hydra.it.keep")) {
            Shell.run("rm", "-rf", dir.toString());
        }
        if (first != null) {
            throw first;
        }
    }
}
