package io.hydra.events.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.events.cloudevents.CloudEventDecoder;
import io.hydra.events.cloudevents.CloudEventEncoder;
import io.hydra.events.cloudevents.NotAHydraEventException;

/** Events to publish, and reading and checking what arrived, for the publisher tests. */
final class EventStreams {
    private static final List<String> LIFECYCLE = List.of(EventType.CONTAINER_CREATED, EventType.CONTAINER_STARTED,
            EventType.CONTAINER_PAUSED, EventType.CONTAINER_RESUMED, EventType.CONTAINER_EXITED,
            EventType.CONTAINER_REMOVED);

    private EventStreams() {
    }

    /** {@code rounds} lifecycle events for each of {@code containers} containers, interleaved across containers. */
    static HydraEvent[] interleaved(String node, int containers, int rounds) {
        List<HydraEvent> events = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (int c = 0; c < containers; c++) {
                String type = LIFECYCLE.get(round % LIFECYCLE.size());
                events.add(HydraEvent.of(type, node, "container-" + c, Map.of("name", "app-" + c, "round", round)));
            }
        }
        return events.toArray(HydraEvent[]::new);
    }

    static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Reads the topic from the start until every id in {@code expected} arrived; returns all it read, in order. */
    static List<HydraEvent> readAll(String bootstrapServers, String topic, Set<String> expected, Duration timeout) {
        List<HydraEvent> received = new ArrayList<>();
        Set<String> missing = new java.util.HashSet<>(expected);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (HydraEventConsumer consumer = new HydraEventConsumer(
                new ConsumerSettings(bootstrapServers, topic, uniqueTopic("reader")))) {
            while (!missing.isEmpty() && System.nanoTime() < deadline) {
                for (HydraEvent event : consumer.poll(Duration.ofMillis(500))) {
                    received.add(event);
                    missing.remove(event.id());
                }
            }
        }
        if (!missing.isEmpty()) {
            fail(missing.size() + " of " + expected.size() + " events never arrived on " + topic);
        }
        return received;
    }

    /**
     * Reads every partition of these topics from its start to its current end with one consumer and no consumer
     * group (so quickly), and returns each topic's Hydra events in offset order per partition.
     */
    static Map<String, List<HydraEvent>> readToEnd(String bootstrapServers, List<String> topics, Duration timeout) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, List<HydraEvent>> received = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                received.put(topic, new ArrayList<>());
                consumer.partitionsFor(topic, timeout)
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    fail("could not read " + topics + " to their end within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        received.get(record.topic()).add(CloudEventDecoder.decode(record.headers(), record.value()));
                    } catch (NotAHydraEventException e) {
                        fail("a record of " + record.topic() + " is not a Hydra event: " + e.getMessage());
                    }
                }
            }
        }
        return received;
    }

    /**
     * Every key's events, duplicates dropped by id (first delivery kept), came in outbox order; none is missing.
     * Kafka orders per partition, and the key (container id, or node for daemon events) picks the partition.
     */
    static void assertDeliveredInOrderPerKey(List<HydraEvent> published, List<HydraEvent> received) {
        Map<String, HydraEvent> firstDelivery = new LinkedHashMap<>();
        for (HydraEvent event : received) {
            firstDelivery.putIfAbsent(event.id(), event);
        }
        assertEquals(published.stream().map(HydraEvent::id).collect(Collectors.toSet()), firstDelivery.keySet(),
                "every published event arrived, and nothing else");
        Map<String, Long> lastSequencePerKey = new HashMap<>();
        for (HydraEvent event : firstDelivery.values()) {
            String key = CloudEventEncoder.keyOf(event);
            long previous = lastSequencePerKey.getOrDefault(key, 0L);
            assertTrue(event.sequence() > previous, () -> "key " + key + ": event " + event.sequence()
                    + " arrived after " + previous);
            lastSequencePerKey.put(key, event.sequence());
        }
    }

    static void await(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + timeout.toSeconds() + " s for: " + what.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
