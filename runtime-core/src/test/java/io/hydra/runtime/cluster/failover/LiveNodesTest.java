package io.hydra.runtime.cluster.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.cluster.ClusterJson;
import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.spi.cluster.Member;
import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.PlacementRequest;

class LiveNodesTest {
    @Test
    void aMemberWithAnUnreadableRecordIsLiveButNotPlaceable() {
        NodeRecord b = FailoverPlannerTest.node("b", 1000, Map.of("zone", "1"));
        LiveNodes live = LiveNodes.of(List.of(new Member("b", ClusterJson.write(b)), new Member("c", "{not json")));
        assertTrue(live.isLive("c"), "its containers must not move");
        assertEquals(Set.of("b"), live.views().keySet());
    }

    @Test
    void theViewCarriesWhatTheNodeAdvertises() {
        NodeRecord b = new NodeRecord("b", "10.0.0.2:7070", Map.of("zone", "1"), 8000, 6000, 4000, 3000, 7,
                "aarch64", "6.1", "4.2.1", Set.of("sha256:abc"), null, null, null);
        NodeView v = LiveNodes.of(List.of(new Member("b", ClusterJson.write(b)))).views().get("b");
        assertEquals(new NodeView("b", 8000, 6000, 4000, 3000, 7, Map.of("zone", "1"), "aarch64", "4.2.1",
                Set.of("sha256:abc")), v);
    }

    @Test
    void aPlacementRequestCarriesTheRecordsNeedsAndTheRootfsHoldersOnlyWithARootfs() {
        OwnershipRecord image = new OwnershipRecord("c1", "web", "a", 2, OwnershipRecord.State.RUNNING, true, 1000, 3,
                Map.of("disk", "ssd"), 512, 250, "sha256:img", "", "amd64", "4.2", "", null, 0, "", null);
        PlacementRequest r = PlacementRequests.of(image, Optional.of("a"), Set.of("b"));
        assertEquals(new PlacementRequest("c1", 512, 250, Map.of("disk", "ssd"), Optional.of("a"), "amd64", "4.2",
                Optional.of("sha256:img"), Optional.empty(), Set.of()), r);

        OwnershipRecord rootfs = new OwnershipRecord("c2", "db", "a", 2, OwnershipRecord.State.RUNNING, true, 1000, 3,
                Map.of(), 0, 0, "", "/srv/db", "amd64", "4.2", "", null, 0, "", null);
        PlacementRequest q = PlacementRequests.of(rootfs, Optional.of("a"), Set.of("b"));
        assertEquals(Optional.of("/srv/db"), q.rootfs());
        assertEquals(Optional.empty(), q.imageDigest());
        assertEquals(Set.of("b"), q.nodesWithRootfs());
    }
}
