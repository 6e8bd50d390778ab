package io.hydra.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.hydra.api.v1.Container;

/** ps and inspect JSON: {@code protected} and {@code constraints} after {@code node}; a lost one's reason shown. */
class ContainerJsonTest {
    private static final Container LOST = Container.newBuilder().setId("0123456789abcdef").setName("web")
            .setStatus("lost").setNode("a").setProtected(true).putConstraints("zone", "eu")
            .setExitReason("no node fits: b: needs label zone=eu").build();

    @Test
    void clusterFieldsFollowNodeInPsAndInspect() {
        for (boolean full : new boolean[] {false, true}) {
            Map<String, Object> json = ContainerJson.of(LOST, full);
            List<String> keys = new ArrayList<>(json.keySet());
            int node = keys.indexOf("node");
            assertEquals(List.of("node", "protected", "constraints"), keys.subList(node, node + 3));
            assertEquals(true, json.get("protected"));
            assertEquals(Map.of("zone", "eu"), json.get("constraints"));
            assertEquals("lost", json.get("status"));
        }
        assertEquals(false, ContainerJson.of(Container.newBuilder().setId("x").build(), false).get("protected"));
        assertEquals(Map.of(), ContainerJson.of(Container.newBuilder().setId("x").build(), false).get("constraints"));
    }

    @Test
    void inspectOfALostContainerGivesTheReason() {
        assertEquals("no node fits: b: needs label zone=eu", ContainerJson.of(LOST, true).get("exitReason"));
    }
}
