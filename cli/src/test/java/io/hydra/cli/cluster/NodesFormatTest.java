package io.hydra.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.hydra.api.v1.Node;
import io.hydra.api.v1.NodeList;
import io.hydra.cli.Json;

/** {@code hydra nodes}: DESIGN.md's JSON fields exactly, the table, and a daemon without --cluster. */
class NodesFormatTest {
    private static final Node A = Node.newBuilder().setId("a").setAddress("10.0.0.1:7443").setStatus("ready")
            .setContainers(3).setFreeMemoryBytes(2L << 30).putLabels("zone", "eu").putLabels("disk", "ssd")
            .setLastSeen("2026-12-02T05:00:00Z").setLeader(true).setTotalMemoryBytes(8L << 30).setArch("amd64")
            .setCriuVersion("4.0").build();
    private static final Node B = Node.newBuilder().setId("b").setAddress("10.0.0.2:7443").setStatus("lost")
            .setContainers(0).setFreeMemoryBytes(0).setLastSeen("2026-12-02T04:59:00Z").build();

    private static JsonNode parse(String json) throws Exception {
        return Json.MAPPER.readTree(json);
    }

    @Test
    void jsonHasExactlyTheDesignsFields() throws Exception {
        JsonNode nodes = parse(NodesFormat.render(NodeList.newBuilder().addNodes(B).addNodes(A).setClustered(true)
                .build(), true));
        assertEquals(2, nodes.size());
        JsonNode a = nodes.get(0);
        List<String> fields = new ArrayList<>();
        a.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("id", "address", "status", "containers", "freeMemoryBytes", "labels", "lastSeen",
                "leader"), fields);
        assertEquals("a", a.get("id").asText(), "sorted by id");
        assertEquals("10.0.0.1:7443", a.get("address").asText());
        assertEquals("ready", a.get("status").asText());
        assertEquals(3, a.get("containers").asInt());
        assertEquals(2L << 30, a.get("freeMemoryBytes").asLong());
        assertEquals(Map.of("zone", "eu", "disk", "ssd"), Json.MAPPER.convertValue(a.get("labels"), Map.class));
        assertEquals("2026-12-02T05:00:00Z", a.get("lastSeen").asText());
        assertTrue(a.get("leader").asBoolean());
        JsonNode b = nodes.get(1);
        assertEquals("lost", b.get("status").asText());
        assertTrue(b.get("labels").isObject() && b.get("labels").isEmpty(), "no labels: an empty object");
        assertEquals(false, b.get("leader").asBoolean());
    }

    @Test
    void tableListsEachNodeByIdWithItsStatusAndLeader() {
        String table = NodesFormat.render(NodeList.newBuilder().addNodes(B).addNodes(A).setClustered(true).build(),
                false);
        String[] lines = table.split("\n");
        assertEquals(3, lines.length, table);
        assertTrue(lines[0].startsWith("ID "), table);
        for (String column : List.of("ADDRESS", "STATUS", "CONTAINERS", "FREE MEM", "LEADER", "LAST SEEN", "LABELS")) {
            assertTrue(lines[0].contains(column), column + " in " + lines[0]);
        }
        assertTrue(lines[1].matches("a +10\\.0\\.0\\.1:7443 +ready +3 +2\\.0 GiB +yes +2026-12-02T05:00:00Z +"
                + "disk=ssd,zone=eu"), lines[1]);
        assertTrue(lines[2].matches("b +10\\.0\\.0\\.2:7443 +lost +0 +0 B +2026-12-02T04:59:00Z +-"), lines[2]);
    }

    @Test
    void aSingleNodeDaemonSaysSoInATableAndListsItselfInJson() throws Exception {
        Node self = Node.newBuilder().setId("solo").setStatus("ready").setContainers(1).build();
        NodeList alone = NodeList.newBuilder().addNodes(self).setClustered(false).build();
        assertEquals("this daemon is a single node (no --cluster)" + System.lineSeparator(),
                NodesFormat.render(alone, false));
        JsonNode json = parse(NodesFormat.render(alone, true));
        assertEquals(1, json.size());
        assertEquals("solo", json.get(0).get("id").asText());
        assertTrue(json.get(0).get("lastSeen").isNull(), "no last-seen time: null, not an empty string");
    }
}
