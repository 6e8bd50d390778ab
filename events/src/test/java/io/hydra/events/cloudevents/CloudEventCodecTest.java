package io.hydra.events.cloudevents;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;

class CloudEventCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Instant TIME = Instant.parse("2026-11-22T04:44:54.123456Z");

    static HydraEvent exited() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("name", "web-1");
        data.put("status", "exited");
        data.put("node", "node-1");
        data.put("exitCode", 137);
        data.put("signal", "SIGKILL");
        data.put("oomKilled", true);
        data.put("limits", Map.of("memory", 67108864L));
        return new HydraEvent(7, "3f1c0e9e-1c1a-4a53-9d0e-8f6f0a1f1e11", EventType.CONTAINER_EXITED,
                "hydra://node-1", "c0ffee", TIME, data);
    }

    static HydraEvent daemonStarted() {
        return new HydraEvent(8, "0d7c4c5e-0000-4000-8000-000000000001", EventType.DAEMON_STARTED, "hydra://node-1",
                "", TIME, Map.of("version", "0.1.0"));
    }

    @Test
    void structuredRecordIsACloudEventsJsonObject() throws Exception {
        ProducerRecord<String, byte[]> record = new CloudEventEncoder(CloudEventMode.STRUCTURED)
                .toRecord("hydra.events", exited());

        assertEquals("c0ffee", record.key());
        assertEquals("application/cloudevents+json; charset=UTF-8",
                new String(record.headers().lastHeader("content-type").value(), UTF_8));
        assertNull(record.headers().lastHeader("ce_id"), "structured mode carries no ce_ headers");
        JsonNode json = JSON.readTree(record.value());
        assertEquals("1.0", json.get("specversion").asText());
        assertEquals("3f1c0e9e-1c1a-4a53-9d0e-8f6f0a1f1e11", json.get("id").asText());
        assertEquals("hydra://node-1", json.get("source").asText());
        assertEquals("io.hydra.container.exited", json.get("type").asText());
        assertEquals("c0ffee", json.get("subject").asText());
        assertEquals("2026-11-22T04:44:54.123456Z", json.get("time").asText());
        assertEquals("application/json", json.get("datacontenttype").asText());
        assertEquals(7, json.get("hydrasequence").asLong());
        assertTrue(json.get("data").isObject(), "data is inline JSON, not a string");
        assertEquals(137, json.get("data").get("exitCode").asInt());
    }

    @Test
    void binaryRecordCarriesAttributesInHeadersAndDataInTheValue() throws Exception {
        ProducerRecord<String, byte[]> record = new CloudEventEncoder(CloudEventMode.BINARY)
                .toRecord("hydra.events", exited());

        assertEquals("c0ffee", record.key());
        Map<String, String> headers = new LinkedHashMap<>();
        record.headers().forEach(h -> headers.put(h.key(), new String(h.value(), UTF_8)));
        assertEquals(Map.of("ce_specversion", "1.0", "ce_id", "3f1c0e9e-1c1a-4a53-9d0e-8f6f0a1f1e11",
                "ce_source", "hydra://node-1", "ce_type", "io.hydra.container.exited", "ce_subject", "c0ffee",
                "ce_time", "2026-11-22T04:44:54.123456Z", "ce_hydrasequence", "7",
                "content-type", "application/json"), headers);
        JsonNode data = JSON.readTree(record.value());
        assertEquals(137, data.get("exitCode").asInt());
        assertFalse(data.has("specversion"), "the value is the data alone");
    }

    @ParameterizedTest
    @EnumSource(CloudEventMode.class)
    void daemonEventsAreKeyedByNodeAndHaveNoSubject(CloudEventMode mode) throws Exception {
        ProducerRecord<String, byte[]> record = new CloudEventEncoder(mode).toRecord("t", daemonStarted());

        assertEquals("node-1", record.key());
        assertNull(record.headers().lastHeader("ce_subject"));
        if (mode == CloudEventMode.STRUCTURED) {
            assertFalse(JSON.readTree(record.value()).has("subject"), "an empty subject is left out, as the spec asks");
        }
        assertEquals(daemonStarted(), CloudEventDecoder.decode(record.headers(), record.value()));
    }

    @ParameterizedTest
    @EnumSource(CloudEventMode.class)
    void decodesWhatItEncodes(CloudEventMode mode) throws Exception {
        ProducerRecord<String, byte[]> record = new CloudEventEncoder(mode).toRecord("t", exited());

        HydraEvent decoded = CloudEventDecoder.decode(record.headers(), record.value());

        assertEquals(exited().id(), decoded.id());
        assertEquals(exited().type(), decoded.type());
        assertEquals(exited().source(), decoded.source());
        assertEquals(exited().subject(), decoded.subject());
        assertEquals(TIME, decoded.time());
        assertEquals(7, decoded.sequence());
        assertEquals(OptionalInt.of(137), decoded.exitCode());
        assertTrue(decoded.oomKilled());
        assertEquals("web-1", decoded.containerName().orElseThrow());
        assertEquals("SIGKILL", decoded.signal().orElseThrow());
        assertEquals("node-1", decoded.nodeId());
        assertEquals(Map.of("memory", 67108864), decoded.data().get("limits"));
    }

    @Test
    void acceptsAnyRfc3339TimeAndDropsNullData() throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", "application/cloudevents+json".getBytes(UTF_8));
        byte[] value = ("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"hydra://n\",\"type\":\"io.hydra.x\","
                + "\"time\":\"2026-11-22T06:44:54+02:00\",\"data\":{\"a\":null,\"b\":1}}").getBytes(UTF_8);

        HydraEvent event = CloudEventDecoder.decode(headers, value);

        assertEquals(Instant.parse("2026-11-22T04:44:54Z"), event.time());
        assertEquals(Map.of("b", 1), event.data());
        assertEquals("", event.subject());
        assertEquals(0, event.sequence());
    }

    @Test
    void rejectsWhatIsNotAHydraCloudEventWithTheReason() {
        assertReason("no content-type", new RecordHeaders(), "{}".getBytes(UTF_8));
        assertReason("is not JSON", headers("content-type", "application/cloudevents+json"), "\u0000\u0001garbage"
                .getBytes(UTF_8));
        assertReason("unsupported format", headers("content-type", "application/cloudevents+avro"), new byte[] {1});
        assertReason("another producer", binaryHeaders("com.example.order.created", "https://shop.example"),
                "{}".getBytes(UTF_8));
        RecordHeaders noId = binaryHeaders("io.hydra.container.started", "hydra://n");
        noId.remove("ce_id");
        assertReason("'id' is missing", noId, "{}".getBytes(UTF_8));
        RecordHeaders oldSpec = binaryHeaders("io.hydra.container.started", "hydra://n");
        oldSpec.remove("ce_specversion");
        oldSpec.add("ce_specversion", "0.3".getBytes(UTF_8));
        assertReason("specversion 0.3", oldSpec, "{}".getBytes(UTF_8));
        assertReason("not an object", binaryHeaders("io.hydra.container.started", "hydra://n"),
                "[1,2]".getBytes(UTF_8));
    }

    @Test
    void modeParsesFromConfiguration() {
        assertEquals(CloudEventMode.BINARY, CloudEventMode.parse(" Binary "));
        assertEquals(CloudEventMode.STRUCTURED, CloudEventMode.parse("structured"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CloudEventMode.parse("json")).getMessage()
                .contains("'structured' or 'binary'"));
    }

    @Test
    void encodesTimestampsInDataAsText() throws Exception {
        HydraEvent event = new HydraEvent(1, "i", EventType.CHECKPOINT_CREATED, "hydra://n", "c", TIME,
                Map.of("takenAt", TIME));
        ProducerRecord<String, byte[]> record = new CloudEventEncoder(CloudEventMode.BINARY).toRecord("t", event);

        assertArrayEquals("{\"takenAt\":\"2026-11-22T04:44:54.123456Z\"}".getBytes(UTF_8), record.value());
    }

    private static void assertReason(String expected, RecordHeaders headers, byte[] value) {
        NotAHydraEventException e = assertThrows(NotAHydraEventException.class,
                () -> CloudEventDecoder.decode(headers, value));
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should say " + expected);
    }

    private static RecordHeaders headers(String key, String value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(key, value.getBytes(UTF_8));
        return headers;
    }

    private static RecordHeaders binaryHeaders(String type, String source) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_specversion", "1.0".getBytes(UTF_8));
        headers.add("ce_id", "1".getBytes(UTF_8));
        headers.add("ce_source", source.getBytes(UTF_8));
        headers.add("ce_type", type.getBytes(UTF_8));
        headers.add("ce_time", "2026-11-22T04:44:54Z".getBytes(UTF_8));
        headers.add("content-type", "application/json".getBytes(UTF_8));
        return headers;
    }
}
