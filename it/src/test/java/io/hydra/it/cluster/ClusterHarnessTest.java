package io.hydra.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The cluster harness itself, on a daemon without --cluster: from inside a node's namespace S3Proxy and etcd at
 * the hub are reachable, a cut link makes them unreachable and a healed one reachable again, and a whole-node
 * kill takes the daemon and its containers down together. If these fail, the cluster tests prove nothing.
 */
class ClusterHarnessTest {
    @Test
    void aNamespacedDaemonReachesTheHubAndACutAndAWholeNodeKillWork() throws Exception {
        try (Cluster cluster = Cluster.create("harness", 0)) {
            ClusterNode node = cluster.addStandaloneNode("solo", 1).start();
            NetNamespace ns = node.namespace();

            // S3 from inside the namespace: a checkpoint lands in the hub's bucket
            node.ok(Counter.runArgs("count", cluster.rootfs()));
            String id = node.inspect("count").get("id").asText();
            node.ok("checkpoint", "--leave-running", "count");
            Path manifests = cluster.s3().bucketDir().resolve("manifests").resolve(id);
            assertTrue(Files.isDirectory(manifests) && Files.list(manifests).findAny().isPresent(),
                    "the checkpoint is in the bucket: " + manifests);

            // etcd from inside the namespace, then cut, then healed
            List<String> put = ns.enter(List.of("etcdctl", "--endpoints", cluster.etcd().endpoint(),
                    "--dial-timeout=1s", "--command-timeout=2s", "put", "/harness/probe", "x"));
            assertEquals(0, Shell.run(put).code(), "etcd is reachable from the namespace: " + Shell.run(put).text());
            ns.cut();
            Shell.Output cut = Shell.run(put);
            assertNotEquals(0, cut.code(), "a cut namespace cannot reach etcd: " + cut.text());
            ns.heal();
            Shell.await(Duration.ofSeconds(10), "etcd reachable again after the heal", () -> Shell.run(put).code() == 0);

            // node to node: from this namespace to another one's listener, across the bridge
            NetNamespace other = cluster.namespaceForTest(2);
            Process listener = new ProcessBuilder(other.enter(List.of("busybox", "nc", "-l", "-p", "45999", "-e",
                    "echo", "peer"))).redirectErrorStream(true).start();
            try {
                List<String> connect = ns.enter(List.of("timeout", "2", "bash", "-c",
                        "exec 3<>/dev/tcp/" + other.address() + "/45999 && cat <&3"));
                Shell.await(Duration.ofSeconds(10), "a namespace reaching another's listener",
                        () -> Shell.run(connect).text().contains("peer"));
            } finally {
                listener.destroyForcibly().waitFor();
            }

            // a whole-node kill: the daemon and the container's processes are gone together
            long containerPid = node.inspect("count").get("pid").asLong();
            assertTrue(NodeProcesses.alive(containerPid));
            Set<Long> killed = node.killWholeNode();
            assertTrue(killed.contains(node.daemonPid()) && killed.contains(containerPid),
                    "the kill took the daemon and the container: " + killed);
            Shell.await(Duration.ofSeconds(5), "every process of the node gone",
                    () -> killed.stream().noneMatch(NodeProcesses::alive));
            assertFalse(node.running());
        }
    }
}
