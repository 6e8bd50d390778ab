package io.hydra.scheduler.binpack;

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

class BinpackSchedulerTest {
    private final BinpackScheduler scheduler = new BinpackScheduler();

    private Optional<String> place(SyntheticRequest request, SyntheticNode... nodes) {
        List<NodeView> views = Arrays.stream(nodes).map(SyntheticNode::view).toList();
        return scheduler.place(request.request(), views).nodeId();
    }

    @Test
    void isNamedBinpack() {
        assertEquals("binpack", scheduler.name());
    }

    @Test
    void theMostUsedNodeThatStillFitsWins() {
        SyntheticRequest request = SyntheticRequest.of("c1").memory(2 * GIB);
        assertEquals(Optional.of("b"), place(request, named("a").memory(16 * GIB, 12 * GIB),
                named("b").memory(16 * GIB, 3 * GIB), named("c").memory(16 * GIB, 1 * GIB)));
    }

    @Test
    void usedShareIsOfTheNodesOwnMemory() {
        // 6 of 8 GiB used (75 %) is fuller than 20 of 64 GiB (31 %), though more bytes are used on the larger one
        assertEquals(Optional.of("a"), place(SyntheticRequest.of("c1").memory(GIB),
                named("a").memory(8 * GIB, 2 * GIB), named("b").memory(64 * GIB, 44 * GIB)));
    }

    @Test
    void ignoresHowManyContainersANodeRuns() {
        assertEquals(Optional.of("b"), place(SyntheticRequest.of("c1"),
                named("a").containers(0).memory(16 * GIB, 16 * GIB), named("b").containers(40).memory(16 * GIB, 8 * GIB)));
    }

    @Test
    void equalScoresGoToTheLowestId() {
        assertEquals(Optional.of("a"), place(SyntheticRequest.of("c1").memory(GIB),
                named("c").memory(16 * GIB, 8 * GIB), named("a").memory(16 * GIB, 8 * GIB),
                named("b").memory(16 * GIB, 8 * GIB)));
    }

    @Test
    void successivePlacementsFillOneNodeBeforeTheNext() {
        long[] free = {8 * GIB, 8 * GIB};
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            String chosen = scheduler.place(SyntheticRequest.of("c" + i).memory(3 * GIB).request(),
                    List.of(named("a").memory(8 * GIB, free[0]).view(), named("b").memory(8 * GIB, free[1]).view()))
                    .nodeId().orElse("-");
            order.append(chosen);
            if (!chosen.equals("-")) {
                free[chosen.charAt(0) - 'a'] -= 3 * GIB;
            }
        }
        assertEquals("aabb--", order.toString());
    }
}
