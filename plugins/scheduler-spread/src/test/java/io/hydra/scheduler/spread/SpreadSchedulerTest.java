package io.hydra.scheduler.spread;

import static io.hydra.spi.scheduler.testing.SyntheticNode.GIB;
import static io.hydra.spi.scheduler.testing.SyntheticNode.named;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.testing.SyntheticNode;
import io.hydra.spi.scheduler.testing.SyntheticRequest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpreadSchedulerTest {
    private final SpreadScheduler scheduler = new SpreadScheduler();

    private Optional<String> place(SyntheticRequest request, SyntheticNode... nodes) {
        List<NodeView> views = Arrays.stream(nodes).map(SyntheticNode::view).toList();
        return scheduler.place(request.request(), views).nodeId();
    }

    @Test
    void isTheDefaultName() {
        assertEquals("spread", scheduler.name());
    }

    @Test
    void fewestContainersWinsOverMoreFreeMemory() {
        assertEquals(Optional.of("b"), place(SyntheticRequest.of("c1"),
                named("a").containers(2).freeMemory(16 * GIB), named("b").containers(1).freeMemory(10 * GIB)));
    }

    @Test
    void asManyContainersThenTheLargestFreeShareWins() {
        assertEquals(Optional.of("c"), place(SyntheticRequest.of("c1").memory(GIB),
                named("a").containers(3).memory(8 * GIB, 2 * GIB), named("b").containers(3).memory(32 * GIB, 4 * GIB),
                named("c").containers(3).memory(4 * GIB, 3 * GIB)));
    }

    @Test
    void freeShareIsOfTheNodesOwnMemorySoSizeAloneDoesNotWin() {
        // 8 of 64 GiB free (12 %) against 6 of 8 GiB (75 %): the smaller node is the emptier one
        assertEquals(Optional.of("a"), place(SyntheticRequest.of("c1"),
                named("a").memory(8 * GIB, 6 * GIB), named("b").memory(64 * GIB, 8 * GIB)));
    }

    @Test
    void equalScoresGoToTheLowestId() {
        assertEquals(Optional.of("a"), place(SyntheticRequest.of("c1"),
                named("b").containers(1), named("a").containers(1), named("c").containers(1)));
    }

    @Test
    void successivePlacementsSpreadEvenly() {
        Map<String, Integer> running = new HashMap<>(Map.of("a", 0, "b", 0, "c", 0));
        for (int i = 0; i < 9; i++) {
            List<NodeView> views = running.entrySet().stream()
                    .map(node -> named(node.getKey()).containers(node.getValue()).view()).toList();
            String chosen = scheduler.place(SyntheticRequest.of("c" + i).request(), views).nodeId().orElseThrow();
            running.merge(chosen, 1, Integer::sum);
        }
        assertEquals(Map.of("a", 3, "b", 3, "c", 3), running);
    }
}
