package io.hydra.it.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/** Protected containers in a test cluster: their policies, their checkpoints and where their copies run. */
final class Protected {
    private Protected() {
    }

    /** Starts a counter on {@code node} and protects it with a policy (checkpoints every {@code every}). */
    static String counter(Cluster cluster, ClusterNode node, String name, String every, String... policyOptions)
            throws Exception {
        node.ok(Counter.runArgs(name, cluster.rootfs()));
        List<String> policy = new ArrayList<>(List.of("policy", name, "--every", every, "--keep", "3"));
        policy.addAll(List.of(policyOptions));
        node.ok(policy.toArray(String[]::new));
        return node.inspect(name).get("id").asText();
    }

    /** The complete checkpoint versions of {@code name}, oldest first, as {@code node} lists them. */
    static List<Long> versions(ClusterNode node, String name) {
        List<Long> versions = new ArrayList<>();
        for (JsonNode v : node.ok("checkpoints", name, "--format", "json").json()) {
            if (v.path("complete").asBoolean(true)) {
                versions.add(v.get("version").asLong());
            }
        }
        return versions;
    }

    static void awaitVersions(ClusterNode node, String name, int count) throws Exception {
        Shell.await(Duration.ofSeconds(30), count + " complete checkpoints of " + name + " on " + node.id,
                () -> versions(node, name).size() >= count);
    }

    /** The running node whose own copy of {@code name} runs (its inspect names itself and says running). */
    static Optional<ClusterNode> runningOn(Cluster cluster, String name) {
        for (ClusterNode node : cluster.nodes()) {
            if (node.running()) {
                ClusterNode.Result r = node.hydra("inspect", name);
                if (r.code() == 0) {
                    JsonNode json = r.json();
                    if (json.path("node").asText().equals(node.id) && json.path("status").asText().equals("running")) {
                        return Optional.of(node);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Waits until {@code name} runs on a node other than {@code lost} and returns that node. */
    static ClusterNode awaitRunningElsewhere(Cluster cluster, String name, ClusterNode lost, Duration deadline)
            throws Exception {
        ClusterNode[] found = new ClusterNode[1];
        Shell.await(deadline, name + " running on a node other than " + lost.id, () -> {
            Optional<ClusterNode> on = runningOn(cluster, name);
            on.ifPresent(n -> found[0] = n);
            return on.isPresent() && on.get() != lost;
        });
        return found[0];
    }

    /**
     * How many running copies of container {@code id} exist on this machine, over every node's runc state (a
     * frozen copy is not running): never more than one, whatever the daemons believe.
     */
    static int liveCopies(Cluster cluster, String id) throws Exception {
        int copies = 0;
        for (ClusterNode node : cluster.nodes()) {
            java.nio.file.Path runc = node.root.resolve("runc");
            if (!java.nio.file.Files.isDirectory(runc)) {
                continue;
            }
            Shell.Output state = Shell.run("/usr/sbin/runc", "--root", runc.toString(), "state", id);
            if (state.code() == 0) {
                String status = ClusterNode.JSON.readTree(state.text()).path("status").asText();
                if (status.equals("running")) {
                    copies++;
                }
            }
        }
        return copies;
    }

    /** runc's status of container {@code id} on {@code node} ("running", "paused", ...), or "absent". */
    static String runcStatus(ClusterNode node, String id) throws Exception {
        Shell.Output state = Shell.run("/usr/sbin/runc", "--root", node.root.resolve("runc").toString(), "state", id);
        return state.code() == 0 ? ClusterNode.JSON.readTree(state.text()).path("status").asText() : "absent";
    }

    /** The events of {@code type} about container {@code id} (its subject) on the running nodes. */
    static List<JsonNode> events(Cluster cluster, String type, String id) {
        return cluster.events(type).stream().filter(e -> e.path("subject").asText().equals(id)).toList();
    }
}
