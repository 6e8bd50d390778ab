package io.hydra.events.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.events.cloudevents.CloudEventEncoder;
import io.hydra.events.cloudevents.CloudEventMode;
import io.hydra.events.testing.KafkaBroker;
import io.hydra.events.testing.KafkaBrokerExtension;

@ExtendWith(KafkaBrokerExtension.class)
class HydraEventConsumerTest {

    @Test
    void skipsWhatIsNotAHydraEventWithAWarningAndKeepsReading(KafkaBroker broker) throws Exception {
        String topic = EventStreams.uniqueTopic("mixed");
        broker.createTopic(topic, 1);
        HydraEvent before = HydraEvent.of(EventType.CONTAINER_STARTED, "node-1", "c1", Map.of("name", "web"));
        HydraEvent after = HydraEvent.of(EventType.CONTAINER_EXITED, "node-1", "c1",
                Map.of("name", "web", "exitCode", 1, "oomKilled", false));
        RecordHeaders foreignCloudEvent = new RecordHeaders();
        foreignCloudEvent.add("ce_specversion", "1.0".getBytes(UTF_8));
        foreignCloudEvent.add("ce_id", "42".getBytes(UTF_8));
        foreignCloudEvent.add("ce_source", "https://shop.example/orders".getBytes(UTF_8));
        foreignCloudEvent.add("ce_type", "com.example.order.created".getBytes(UTF_8));
        RecordHeaders structuredGarbage = new RecordHeaders();
        structuredGarbage.add("content-type", "application/cloudevents+json".getBytes(UTF_8));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new CloudEventEncoder(CloudEventMode.BINARY).toRecord(topic, before)).get();
            producer.send(new ProducerRecord<>(topic, "k", "plain text, no headers".getBytes(UTF_8))).get();
            producer.send(new ProducerRecord<String, byte[]>(topic, null, (String) null, new byte[] {(byte) 0xff, 0, 1},
                    foreignCloudEvent)).get();
            producer.send(new ProducerRecord<>(topic, null, "c1", "{not json".getBytes(UTF_8),
                    structuredGarbage)).get();
            producer.send(new CloudEventEncoder(CloudEventMode.STRUCTURED).toRecord(topic, after)).get();
        }

        List<HydraEvent> events = new ArrayList<>();
        try (LogCapture log = new LogCapture(HydraEventConsumer.class);
             HydraEventConsumer consumer = new HydraEventConsumer(
                     new ConsumerSettings(broker.bootstrapServers(), topic, "mixed-reader"))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (events.size() < 2 && System.nanoTime() < deadline) {
                events.addAll(consumer.poll(Duration.ofMillis(500)));
            }
            consumer.commit();
            assertEquals(3, consumer.skipped());
            List<String> warnings = log.warnings();
            assertEquals(3, warnings.size(), warnings::toString);
            assertTrue(warnings.get(0).startsWith("skipping record " + topic + "-0 offset 1 (key 'k'): not a "
                    + "CloudEvent"), warnings.get(0));
            assertTrue(warnings.get(1).contains("offset 2 (key none): a CloudEvent from another producer (source "
                    + "https://shop.example/orders, type com.example.order.created)"), warnings.get(1));
            assertTrue(warnings.get(2).contains("offset 3 (key 'c1'): structured CloudEvent is not JSON"),
                    warnings.get(2));
        }

        assertEquals(List.of(before.id(), after.id()), events.stream().map(HydraEvent::id).toList());
        assertEquals(1, events.get(1).exitCode().orElseThrow());
    }

    @Test
    void theDeserializerTurnsForeignRecordsIntoNullNotExceptions() {
        HydraEvent event = HydraEvent.of(EventType.CONTAINER_PAUSED, "node-1", "c2", Map.of());
        ProducerRecord<String, byte[]> record = new CloudEventEncoder(CloudEventMode.BINARY).toRecord("t", event);
        try (HydraEventDeserializer deserializer = new HydraEventDeserializer()) {
            assertEquals(event.id(), deserializer.deserialize("t", record.headers(), record.value()).id());
            assertNull(deserializer.deserialize("t", new RecordHeaders(), "junk".getBytes(UTF_8)));
            assertNull(deserializer.deserialize("t", record.value()));
        }
    }

    @Test
    void settingsTheLibraryOwnsCannotBeOverridden() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ConsumerSettings("h:1", "t", "g", Map.of("enable.auto.commit", "true")));
        assertTrue(e.getMessage().contains("'enable.auto.commit' cannot be set"), e.getMessage());
    }
}
