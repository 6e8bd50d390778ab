package io.hydra.runtime.cluster.failover;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import io.hydra.api.v1.ProbeResponse;

/** Which live nodes hold each of some directories, as the nodes themselves answer (a silent node holds none). */
final class RootfsHolders {
    private static final Logger LOG = Logger.getLogger(RootfsHolders.class);

    private RootfsHolders() {
    }

    /** {@code self} is this node: it is not asked over the network (the peer client skips it) but looks itself. */
    static Map<String, Set<String>> ask(PeerProbe peers, LiveNodes live, List<String> paths, Duration deadline,
                                        String self) {
        Map<String, ProbeResponse> answers = new LinkedHashMap<>();
        try {
            answers.putAll(peers.probeAll(live.records().values(), paths, deadline));
        } catch (RuntimeException e) {
            LOG.warnf("cannot ask the peers which hold %s: %s", paths, e.getMessage());
        }
        if (live.isLive(self)) {
            answers.put(self, ProbeResponse.newBuilder().setNode(self)
                    .addAllPresentPaths(paths.stream().filter(p -> Files.isDirectory(Path.of(p))).toList()).build());
        }
        return holders(paths, answers);
    }

    static Map<String, Set<String>> holders(List<String> paths, Map<String, ProbeResponse> answers) {
        Map<String, Set<String>> holders = new LinkedHashMap<>();
        paths.forEach(p -> holders.put(p, new HashSet<>()));
        answers.forEach((node, answer) -> answer.getPresentPathsList().forEach(p -> {
            Set<String> nodes = holders.get(p);
            if (nodes != null) {
                nodes.add(node);
            }
        }));
        Map<String, Set<String>> frozen = new LinkedHashMap<>();
        holders.forEach((p, nodes) -> frozen.put(p, Set.copyOf(nodes)));
        return frozen;
    }
}
