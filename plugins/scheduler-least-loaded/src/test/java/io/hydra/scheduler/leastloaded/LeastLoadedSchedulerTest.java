package io.hydra.scheduler.leastloaded;

import static io.hydra.spi.scheduler.testing.SyntheticNode.GIB;
import static io.hydra.spi.scheduler.testing.SyntheticNode.named;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.testing.SyntheticNode;
import io.hydra.spi.scheduler.testing.SyntheticRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeastLoadedSchedulerTest {
    private final LeastLoadedScheduler scheduler = new LeastLoadedScheduler();

    private Optional<String> place(SyntheticRequest request, SyntheticNode... nodes) {
        List<NodeView> views = Arrays.stream(nodes).map(SyntheticNode::view).toList();
        return scheduler.place(request.request(), views).nodeId();
    }

    @Test
    void isNamedLeastLoaded() {
        assertEquals("least-loaded", scheduler.name());
    }

    @Test
    void theNodeWithTheMostFreeMemoryAndCpuWins() {
        assertEquals(Optional.of("c"), place(SyntheticRequest.of("c1").memory(GIB).cpuMillis(500),
                named("a").memory(16 * GIB, 4 * GIB).cpu(8000, 6000),
                named("b").memory(16 * GIB, 12 * GIB).cpu(8000, 1000),
                named("c").memory(16 * GIB, 10 * GIB).cpu(8000, 6000)));
    }

    @Test
    void cpuCountsAsMuchAsMemory() {
        // a: 50 % memory and 100 % CPU free; b: 90 % memory and 25 % CPU free
        assertEquals(Optional.of("a"), place(SyntheticRequest.of("c1"),
                named("a").memory(10 * GIB, 5 * GIB).cpu(4000, 4000), named("b").memory(10 * GIB, 9 * GIB).cpu(4000, 1000)));
    }

    @Test
    void ignoresHowManyContainersANodeRuns() {
        assertEquals(Optional.of("b"), place(SyntheticRequest.of("c1"),
                named("a").containers(0).memory(16 * GIB, 8 * GIB), named("b").containers(30).memory(16 * GIB, 15 * GIB)));
    }

    @Test
    void equalScoresGoToTheLowestId() {
        assertEquals(Optional.of("a"), place(SyntheticRequest.of("c1").memory(GIB),
                named("b").memory(16 * GIB, 8 * GIB).cpu(4000, 2000), named("a").memory(16 * GIB, 8 * GIB).cpu(4000, 2000)));
    }

    @Test
    void theContainersOwnClaimIsCountedBeforeComparing() {
        // before: a 50 % free, b 40 % free; after claiming 4 GiB: a (8 GiB) 0 %, b (40 GiB) 30 %
        assertEquals(Optional.of("b"), place(SyntheticRequest.of("c1").memory(4 * GIB),
                named("a").memory(8 * GIB, 4 * GIB), named("b").memory(40 * GIB, 16 * GIB)));
    }
}
