package io.hydra.it.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The test cluster's own network: a subnet {@code 10.S.0.0/16} no other test on this machine uses, on a bridge of
 * its own whose address {@code 10.S.0.1} is the hub where etcd and S3Proxy listen. Every node namespace {@code N}
 * is a port of the bridge with {@code 10.S.N.2}: nodes reach the hub and each other by switching, not routing (the
 * host's ip_forward stays as it is), and cutting one node's port cuts that node alone from etcd, S3 and its peers.
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
                    HubNetwork network = new HubNetwork(s);
                    Shell.run("ip", "link", "del", network.bridge());
                    Shell.must("ip", "link", "add", network.bridge(), "type", "bridge");
                    Shell.must("ip", "addr", "add", network.hubAddress() + "/16", "dev", network.bridge());
                    Shell.must("ip", "link", "set", network.bridge(), "up");
                    return network;
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
        return NetNamespace.create("hyit" + subnet + "n" + n, "10." + subnet + "." + n + ".2", bridge(), hubAddress());
    }

    private String bridge() {
        return "hyit" + subnet + "br";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Shell.run("ip", "link", "del", bridge());
    }
}
