package io.hydra.spi.scheduler.testing;

import static io.hydra.spi.scheduler.testing.SyntheticNode.GIB;
import static io.hydra.spi.scheduler.testing.SyntheticNode.MIB;
import static io.hydra.spi.scheduler.testing.SyntheticNode.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.scheduler.DottedVersion;
import io.hydra.spi.scheduler.FilterResult;
import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.PlacementRequest;
import io.hydra.spi.scheduler.ResourcesFilter;
import io.hydra.spi.scheduler.ScoringScheduler;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The framework's own rules, below what the contract can see through a plugin: weights, score range, versions. */
class ScoringFrameworkTest {
    /** Scores each node as the map says: the framework's behaviour with scores chosen by the test. */
    private static final class FixedScores extends ScoringScheduler {
        private final Map<String, Integer> scores;

        FixedScores(Map<String, Integer> scores) {
            super("fixed");
            this.scores = scores;
        }

        @Override
        protected int score(PlacementRequest request, NodeView node) {
            return scores.get(node.nodeId());
        }
    }

    private static final PlacementRequest WITH_IMAGE = SyntheticRequest.of("c1").image("sha256:aa").request();

    @Test
    void localityTipsCloseScoresButNotClearOnes() {
        List<NodeView> nodes = List.of(named("a").view(), named("b").caching("sha256:aa").view());
        // locality is worth 100 at weight 1 against the plugin's weight 4: 25 plugin points
        assertEquals(Optional.of("b"), new FixedScores(Map.of("a", 64, "b", 40)).place(WITH_IMAGE, nodes).nodeId());
        assertEquals(Optional.of("a"), new FixedScores(Map.of("a", 66, "b", 40)).place(WITH_IMAGE, nodes).nodeId());
        assertEquals(Optional.of("a"), new FixedScores(Map.of("a", 65, "b", 40)).place(WITH_IMAGE, nodes).nodeId(),
                "an exact tie goes to the lowest id");
    }

    @Test
    void aScoreOutsideZeroToHundredIsTheSchedulersBugAndSaysSo() {
        List<NodeView> nodes = List.of(named("a").view());
        IllegalStateException high = assertThrows(IllegalStateException.class,
                () -> new FixedScores(Map.of("a", 101)).place(WITH_IMAGE, nodes));
        assertEquals("scheduler fixed scored node a 101, outside 0 to 100", high.getMessage());
        assertThrows(IllegalStateException.class, () -> new FixedScores(Map.of("a", -1)).place(WITH_IMAGE, nodes));
    }

    @Test
    void dottedVersionsCompareNumberByNumber() {
        assertTrue(version("4.10").compareTo(version("4.9")) > 0);
        assertTrue(version("3.17.1").compareTo(version("4")) < 0);
        assertEquals(0, version("4.2").compareTo(version("4.2.0")));
        assertEquals(version("4.2"), version("4.2.0"));
        assertEquals(version("4.2").hashCode(), version("4.2.0").hashCode());
        for (String unreadable : List.of("", "v4", "4..2", "4.2-rc1", ".4", "4.", "99999999999999999999")) {
            assertEquals(Optional.empty(), DottedVersion.parse(unreadable), unreadable);
        }
    }

    private static DottedVersion version(String text) {
        return DottedVersion.parse(text).orElseThrow();
    }

    @Test
    void aFailureWithoutAReasonIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> FilterResult.fail(" "));
    }

    @Test
    void quantitiesReadAsAUserWritesThem() {
        ResourcesFilter filter = new ResourcesFilter();
        assertEquals("512 B free, 1.5 GiB needed", filter.test(SyntheticRequest.of("c").memory(1536 * MIB).request(),
                named("a").freeMemory(512).view()).reason());
        assertEquals("1 GiB free, 2 GiB needed", filter.test(SyntheticRequest.of("c").memory(2 * GIB).request(),
                named("a").freeMemory(GIB).view()).reason());
        assertEquals("1 CPU free, 2 CPUs needed", filter.test(SyntheticRequest.of("c").cpuMillis(2000).request(),
                named("a").cpu(4000, 1000).view()).reason());
    }
}
