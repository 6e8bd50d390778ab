package io.hydra.events.cloudevents;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;
import io.hydra.events.HydraEvent;

/** The CloudEvents Java SDK reads our records, and we read the SDK's, in both modes. */
class CloudEventsSdkInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @EnumSource(CloudEventMode.class)
    void theSdkReadsOurRecords(CloudEventMode mode) throws Exception {
        HydraEvent event = CloudEventCodecTest.exited();
        ProducerRecord<String, byte[]> record = new CloudEventEncoder(mode).toRecord("hydra.events", event);

        CloudEvent read;
        try (CloudEventDeserializer sdk = new CloudEventDeserializer()) {
            read = sdk.deserialize("hydra.events", record.headers(), record.value());
        }

        assertEquals(SpecVersion.V1, read.getSpecVersion());
        assertEquals(event.id(), read.getId());
        assertEquals(URI.create("hydra://node-1"), read.getSource());
        assertEquals(event.type(), read.getType());
        assertEquals("c0ffee", read.getSubject());
        assertEquals(event.time(), read.getTime().toInstant());
        assertEquals("application/json", read.getDataContentType());
        assertEquals("7", String.valueOf(read.getExtension("hydrasequence")));
        Map<?, ?> data = JSON.readValue(read.getData().toBytes(), Map.class);
        assertEquals(137, data.get("exitCode"));
        assertEquals("web-1", data.get("name"));
    }

    @ParameterizedTest
    @EnumSource(CloudEventMode.class)
    void weReadTheSdksRecords(CloudEventMode mode) throws Exception {
        CloudEvent event = CloudEventBuilder.v1()
                .withId("a1b2")
                .withSource(URI.create("hydra://node-2"))
                .withType("io.hydra.container.started")
                .withSubject("deadbeef")
                .withTime(OffsetDateTime.of(2026, 11, 22, 5, 0, 0, 0, ZoneOffset.ofHours(1)))
                .withDataContentType("application/json")
                .withExtension("hydrasequence", 42)
                .withData("{\"name\":\"db\",\"pid\":4242}".getBytes(UTF_8))
                .build();
        RecordHeaders headers = new RecordHeaders();
        byte[] value;
        try (CloudEventSerializer sdk = new CloudEventSerializer()) {
            sdk.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG,
                    mode == CloudEventMode.STRUCTURED ? Encoding.STRUCTURED : Encoding.BINARY,
                    CloudEventSerializer.EVENT_FORMAT_CONFIG, JsonFormat.CONTENT_TYPE), false);
            value = sdk.serialize("hydra.events", headers, event);
        }

        HydraEvent read = CloudEventDecoder.decode(headers, value);

        assertEquals("a1b2", read.id());
        assertEquals("hydra://node-2", read.source());
        assertEquals("node-2", read.nodeId());
        assertEquals("io.hydra.container.started", read.type());
        assertEquals("deadbeef", read.subject());
        assertEquals(OffsetDateTime.parse("2026-11-22T04:00:00Z").toInstant(), read.time());
        assertEquals(42, read.sequence());
        assertEquals(Map.of("name", "db", "pid", 4242), read.data());
    }
}
