package io.hydra.it.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The test cluster's own network: a subnet {@code 10.S.0.0/16} no other test on this machine uses, and its hub
 * address {@code 10.S.0.1} on the host's loopback device, where etcd and S3Proxy listen. Every node namespace
 * {@code N} gets {@code 10.S.N.0/24} on its veth and routes to the hub through it, so cutting one node's link cuts
 * that node alone from etcd, S3 and its peers.
 */
final class HubNetwork implements AutoCloseable {
    private static final Path LOCK = Path.of("/tmp/hydra-it-cluster-net.lock");

    private final int subnet;

    private HubNetwork(int subnet) {
        this.subnet = subnet;
    }

    /** Claims a free subnet (the first 10.S with S in 160..199 that no interface uses) and adds the hub address. */
    static HubNetwork create() throws IOException, InterruptedException {
        try (FileChannel channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            String used = Shell.must("ip", "-o", "-4", "addr", "show");
            for (int s = 160; s < 200; s++) {
                if (!used.contains(" 10." + s + ".")) {
                    Shell.must("ip", "addr", "add", "10." + s + ".0.1/32", "dev", "lo");
                    return new HubNetwork(s);
                }
            }
        }
        throw new IOException("no free 10.S.0.0/16 test subnet (S in 160..199): stale test networks? see ip addr");
    }

    /** Where etcd and S3Proxy listen, reachable from the host and from every node's namespace. */
    String hubAddress() {
        return "10." + subnet + ".0.1";
    }

    /** A namespace of this network, node number {@code n} (1..250), named so its owner is clear. */
    NetNamespace namespace(int n) throws IOException, InterruptedException {
        return NetNamespace.create("hyit" + subnet + "n" + n, "10." + subnet + "." + n, hubAddress());
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Shell.run("ip", "addr", "del", hubAddress() + "/32", "dev", "lo");
    }
}
