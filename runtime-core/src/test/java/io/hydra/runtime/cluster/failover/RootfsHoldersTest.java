package io.hydra.runtime.cluster.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.api.v1.ProbeResponse;
import io.hydra.runtime.cluster.NodeRecord;

class RootfsHoldersTest {
    @TempDir
    Path dir;

    @Test
    void eachPathMapsToTheNodesThatSaidTheyHoldIt() {
        Map<String, ProbeResponse> answers = Map.of(
                "b", ProbeResponse.newBuilder().setNode("b").addPresentPaths("/srv/one").build(),
                "c", ProbeResponse.newBuilder().setNode("c").addPresentPaths("/srv/one").addPresentPaths("/srv/two")
                        .addPresentPaths("/not/asked").build());
        assertEquals(Map.of("/srv/one", Set.of("b", "c"), "/srv/two", Set.of("c"), "/srv/three", Set.of()),
                RootfsHolders.holders(List.of("/srv/one", "/srv/two", "/srv/three"), answers));
    }

    @Test
    void thisNodeLooksItselfAndASilentOrFailingProbeHoldsNothing() throws Exception {
        Path present = Files.createDirectory(dir.resolve("root"));
        String missing = dir.resolve("missing").toString();
        NodeRecord self = FailoverPlannerTest.node("self", 1, Map.of());
        NodeRecord peer = FailoverPlannerTest.node("peer", 1, Map.of());
        PeerProbe failing = (peers, paths, deadline) -> {
            throw new IllegalStateException("no TLS");
        };
        Map<String, Set<String>> holders = RootfsHolders.ask(failing, LiveNodes.of(List.of(self, peer)),
                List.of(present.toString(), missing), java.time.Duration.ofMillis(100), "self");
        assertEquals(Map.of(present.toString(), Set.of("self"), missing, Set.of()), holders);
    }
}
