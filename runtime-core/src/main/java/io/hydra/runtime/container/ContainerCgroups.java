package io.hydra.runtime.container;

import java.util.regex.Pattern;

/**
 * The cgroup the daemon gives a container, at create and at every restore: {@code /hydra/<node>/<id>}. The node is
 * part of the path because several nodes can share one kernel (three nodes on one machine, the cluster tests): a
 * container restored on one of them must never find its stale copy of another node (frozen by fencing, or left
 * frozen by a dump its node died in) in the cgroup it is restored into.
 */
public final class ContainerCgroups {
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

    private ContainerCgroups() {
    }

    public static String path(String nodeId, String containerId) {
        String node = UNSAFE.matcher(nodeId == null || nodeId.isEmpty() ? "local" : nodeId).replaceAll("_");
        if (node.equals(".") || node.equals("..")) {
            node = "_" + node;
        }
        return "/hydra/" + node + "/" + containerId;
    }
}
