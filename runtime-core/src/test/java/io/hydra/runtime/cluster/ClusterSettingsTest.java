package io.hydra.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.HydraException;

class ClusterSettingsTest {
    @Test
    void aClusterUrlNamesItsCoordinatorAndEndpoints() {
        ClusterUrl url = ClusterUrl.parse("etcd://10.0.0.1:2379,10.0.0.2:2379");
        assertEquals("etcd", url.scheme());
        assertEquals("10.0.0.1:2379,10.0.0.2:2379", url.endpoints());
    }

    @Test
    void badClusterUrlsAreRefusedNamingTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterUrl.parse("10.0.0.1:2379"))
                .getMessage().contains("SCHEME://ENDPOINTS"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterUrl.parse("etcd://"))
                .getMessage().contains("no endpoints"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterUrl.parse("Et Cd://x:1"))
                .getMessage().contains("not a coordinator name"));
    }

    @Test
    void labelsParseAndBadOnesAreNamed() {
        assertEquals(Map.of("zone", "eu", "disk", "ssd"), NodeLabels.parse("zone=eu, disk=ssd"));
        assertEquals(Map.of(), NodeLabels.parse(""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeLabels.parse("zone=eu,ssd"))
                .getMessage().contains("'ssd' is not KEY=VALUE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeLabels.parse("zone=eu,zone=us"))
                .getMessage().contains("given twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeLabels.parse("=eu"))
                .getMessage().contains("'=eu'"));
    }

    @Test
    void constraintsAreChecked() {
        assertEquals(Map.of("zone", "eu"), Constraints.check(Map.of("zone", "eu")));
        assertTrue(assertThrows(HydraException.class, () -> Constraints.check(Map.of("a b", "c"))).getMessage()
                .contains("'a b' is not a label key"));
        assertTrue(assertThrows(HydraException.class, () -> Constraints.check(Map.of("a", "b=c"))).getMessage()
                .contains("cannot contain"));
    }

    @Test
    void theLeaseTtlIsHandedToThePluginInItsOwnSyntax() {
        assertEquals("3s", ClusterStartup.durationText(Duration.ofSeconds(3)));
        assertEquals("2500ms", ClusterStartup.durationText(Duration.ofMillis(2500)));
    }
}
