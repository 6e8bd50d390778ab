package io.hydra.it.cluster;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A network namespace joined to the cluster's bridge by a veth pair: {@code ADDRESS/16} inside, the host side a
 * port of the bridge. {@link #cut()} takes that port down (the node is cut off, its processes keep running),
 * {@link #heal()} brings it back; closing removes the namespace and the pair.
 */
final class NetNamespace implements AutoCloseable {
    private final String name;
    private final String address;

    private NetNamespace(String name, String address) {
        this.name = name;
        this.address = address;
    }

    static NetNamespace create(String name, String address, String bridge, String hubAddress)
            throws IOException, InterruptedException {
        NetNamespace ns = new NetNamespace(name, address);
        ns.removeLeftovers();
        try {
            Shell.must("ip", "netns", "add", name);
            Shell.must("ip", "link", "add", ns.hostLink(), "type", "veth", "peer", "name", ns.innerLink());
            Shell.must("ip", "link", "set", ns.innerLink(), "netns", name);
            Shell.must("ip", "link", "set", ns.hostLink(), "master", bridge);
            Shell.must("ip", "link", "set", ns.hostLink(), "up");
            ns.inside("ip", "addr", "add", address + "/16", "dev", ns.innerLink());
            ns.inside("ip", "link", "set", ns.innerLink(), "up");
            ns.inside("ip", "link", "set", "lo", "up");
            ns.inside("ip", "route", "add", "default", "via", hubAddress);
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    String name() {
        return name;
    }

    /** The address processes inside have. */
    String address() {
        return address;
    }

    /** {@code nsenter} into this namespace's network only (not its mounts: the daemon must see the host's). */
    List<String> enter(List<String> command) {
        List<String> wrapped = new java.util.ArrayList<>(List.of("nsenter", "--net=/run/netns/" + name, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    void cut() throws IOException, InterruptedException {
        Shell.must("ip", "link", "set", hostLink(), "down");
    }

    void heal() throws IOException, InterruptedException {
        Shell.must("ip", "link", "set", hostLink(), "up");
    }

    /** Every process whose network namespace is this one. */
    Set<Long> pids() throws IOException, InterruptedException {
        Shell.Output o = Shell.run("ip", "netns", "pids", name);
        return Arrays.stream(o.text().split("\\s+")).filter(s -> s.matches("\\d+")).map(Long::parseLong)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private void inside(String... command) throws IOException, InterruptedException {
        Shell.must(enter(List.of(command)).toArray(String[]::new));
    }

    private String hostLink() {
        return name + "h";
    }

    private String innerLink() {
        return name + "c";
    }

    private void removeLeftovers() throws IOException, InterruptedException {
        Shell.run("ip", "link", "del", hostLink());
        Shell.run("ip", "netns", "del", name);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        removeLeftovers();
    }
}
