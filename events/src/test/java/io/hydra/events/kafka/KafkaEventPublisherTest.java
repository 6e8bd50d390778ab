package io.hydra.events.kafka;

import static io.hydra.events.kafka.EventStreams.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.events.cloudevents.CloudEventMode;
import io.hydra.events.testing.InMemoryOutbox;
import io.hydra.events.testing.KafkaBroker;
import io.hydra.events.testing.KafkaBrokerExtension;

@ExtendWith(KafkaBrokerExtension.class)
class KafkaEventPublisherTest {
    /** Short client timeouts so that failure tests take seconds, not the production 10 s / 30 s. */
    static final Map<String, String> QUICK = Map.of("max.block.ms", "2000", "request.timeout.ms", "2000",
            "delivery.timeout.ms", "5000");
    static final Backoff QUICK_BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    @ParameterizedTest
    @EnumSource(CloudEventMode.class)
    void publishesEveryEventInOrderPerContainer(CloudEventMode mode, KafkaBroker broker) {
        String topic = EventStreams.uniqueTopic("order");
        broker.createTopic(topic, 3);
        InMemoryOutbox outbox = new InMemoryOutbox();
        List<HydraEvent> published = new ArrayList<>(outbox.append(EventStreams.interleaved("node-1", 8, 40)));
        published.addAll(outbox.append(HydraEvent.of(EventType.DAEMON_STARTED, "node-1", "", Map.of())));

        try (KafkaEventPublisher publisher = KafkaEventPublisher.start(outbox, settings(broker, topic, mode))) {
            // The publisher marks the outbox first and then counts: wait for both, not just the backlog.
            await(Duration.ofSeconds(30), () -> publisher.backlog() == 0
                    && publisher.publishedCount() == published.size(), () -> "backlog drains, it is "
                    + publisher.backlog() + ", published " + publisher.publishedCount() + ", last error "
                    + publisher.lastError());
            assertEquals(published.size(), publisher.publishedCount());
            assertTrue(publisher.connected());
            assertEquals(java.util.Optional.empty(), publisher.lastError());
            // Events appended while it runs go out too.
            published.addAll(outbox.append(EventStreams.interleaved("node-1", 2, 3)));
            await(Duration.ofSeconds(10), () -> publisher.backlog() == 0, () -> "new events go out");
        }

        List<HydraEvent> received = EventStreams.readAll(broker.bootstrapServers(), topic,
                published.stream().map(HydraEvent::id).collect(Collectors.toSet()), Duration.ofSeconds(30));
        EventStreams.assertDeliveredInOrderPerKey(published, received);
        assertEquals(published.stream().map(HydraEvent::sequence).toList(), outbox.publishedSequences(),
                "marked published once each, in outbox order");
    }

    @ParameterizedTest
    @EnumSource(CloudEventMode.class)
    void recordsAreCloudEventsTheSdkReadsKeyedByContainer(CloudEventMode mode, KafkaBroker broker) {
        String topic = EventStreams.uniqueTopic("sdk");
        broker.createTopic(topic, 2);
        InMemoryOutbox outbox = new InMemoryOutbox();
        List<HydraEvent> published = outbox.append(EventStreams.interleaved("node-7", 3, 2));
        try (KafkaEventPublisher publisher = KafkaEventPublisher.start(outbox, settings(broker, topic, mode))) {
            await(Duration.ofSeconds(30), () -> publisher.backlog() == 0, () -> "backlog drains");
        }

        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, EventStreams.uniqueTopic("sdk-reader"));
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, CloudEvent>> records = new ArrayList<>();
        try (KafkaConsumer<String, CloudEvent> sdk = new KafkaConsumer<>(config, new StringDeserializer(),
                new CloudEventDeserializer())) {
            sdk.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < published.size() && System.nanoTime() < deadline) {
                sdk.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        assertEquals(published.size(), records.size());
        Map<String, HydraEvent> byId = published.stream().collect(Collectors.toMap(HydraEvent::id, e -> e));
        for (ConsumerRecord<String, CloudEvent> record : records) {
            CloudEvent event = record.value();
            HydraEvent original = byId.get(event.getId());
            assertEquals(original.subject(), record.key(), "the key is the container id");
            assertEquals(original.subject(), event.getSubject());
            assertEquals(original.type(), event.getType());
            assertEquals("hydra://node-7", event.getSource().toString());
            assertEquals(mode == CloudEventMode.BINARY, record.headers().lastHeader("ce_id") != null);
            assertTrue(new String(event.getData().toBytes(), UTF_8).contains("\"name\":\""
                    + original.containerName().orElseThrow() + "\""));
        }
    }

    @Test
    void unknownTopicWithAutoCreationOffIsAClearRepeatedError(KafkaBroker broker) {
        InMemoryOutbox outbox = new InMemoryOutbox();
        outbox.append(EventStreams.interleaved("node-1", 1, 3));

        try (KafkaEventPublisher publisher = KafkaEventPublisher.start(outbox,
                settings(broker, "no-such-topic", CloudEventMode.STRUCTURED))) {
            await(Duration.ofSeconds(20), () -> publisher.lastError().isPresent(), () -> "an error is reported");
            assertEquals("topic 'no-such-topic' does not exist on the broker (auto-creation is off): create it, or "
                    + "point the publisher at an existing topic", publisher.lastError().orElseThrow());
            assertFalse(publisher.connected());
            assertEquals(3, publisher.backlog());
            assertEquals(0, publisher.publishedCount());
            assertEquals(List.of(), outbox.publishedSequences());
        }
    }

    @Test
    void unreachableBrokerNeitherBlocksNorLosesAnything() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        InMemoryOutbox outbox = new InMemoryOutbox();
        outbox.append(EventStreams.interleaved("node-1", 2, 2));
        PublisherSettings settings = new PublisherSettings("127.0.0.1:" + closedPort, "hydra.events",
                CloudEventMode.BINARY, "hydra-test", QUICK, QUICK_BACKOFF);

        long start = System.nanoTime();
        KafkaEventPublisher publisher = KafkaEventPublisher.start(outbox, settings);
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(1).toNanos(), "start does not wait for Kafka");
        try {
            await(Duration.ofSeconds(20), () -> publisher.lastError().isPresent(), () -> "an error is reported");
            String error = publisher.lastError().orElseThrow();
            assertEquals("cannot reach Kafka at 127.0.0.1:" + closedPort + " (Connection refused)", error);
            outbox.append(EventStreams.interleaved("node-1", 2, 1));
            assertEquals(6, publisher.backlog(), "the backlog grows");
            assertFalse(publisher.connected());
            assertEquals(0, publisher.publishedCount());
            assertEquals(List.of(), outbox.publishedSequences());
        } finally {
            long closing = System.nanoTime();
            publisher.close();
            assertTrue(System.nanoTime() - closing < Duration.ofSeconds(12).toNanos(), "close is bounded");
        }
    }

    @Test
    void anIdlePublisherOverPublishedHistoryDoesNotSpin(KafkaBroker broker) {
        String topic = EventStreams.uniqueTopic("idle");
        broker.createTopic(topic, 1);
        InMemoryOutbox outbox = new InMemoryOutbox();
        outbox.appendPublished(EventStreams.interleaved("node-1", 1, 5));

        try (KafkaEventPublisher publisher = KafkaEventPublisher.start(outbox,
                settings(broker, topic, CloudEventMode.BINARY))) {
            await(Duration.ofSeconds(20), publisher::connected, () -> "the idle publisher learns Kafka answers");
            int before = outbox.unpublishedCalls();
            sleep(Duration.ofSeconds(1));
            int calls = outbox.unpublishedCalls() - before;
            assertTrue(calls <= 8, "looked at the outbox " + calls + " times in a second");
            // And the first new event still goes out promptly.
            outbox.append(EventStreams.interleaved("node-1", 1, 1));
            await(Duration.ofSeconds(5), () -> publisher.publishedCount() == 1, () -> "the new event goes out");
        }
    }

    @Test
    void invalidSettingsFailAtOnceNamingTheSetting() {
        assertMessage("bootstrapServers must not be empty",
                () -> new PublisherSettings(" ", "t", CloudEventMode.BINARY, "c", Map.of()));
        assertMessage("'localhost' is not host:port",
                () -> new PublisherSettings("localhost", "t", CloudEventMode.BINARY, "c", Map.of()));
        assertMessage("topic must not be empty",
                () -> new PublisherSettings("h:1", "", CloudEventMode.BINARY, "c", Map.of()));
        assertMessage("topic must be a Kafka topic name",
                () -> new PublisherSettings("h:1", "a topic", CloudEventMode.BINARY, "c", Map.of()));
        assertMessage("'acks' must be all",
                () -> new PublisherSettings("h:1", "t", CloudEventMode.BINARY, "c", Map.of("acks", "1")));
        assertMessage("'enable.idempotence' must be true", () -> new PublisherSettings("h:1", "t",
                CloudEventMode.BINARY, "c", Map.of("enable.idempotence", "false")));
        assertMessage("'max.in.flight.requests.per.connection' must be 1", () -> new PublisherSettings("h:1", "t",
                CloudEventMode.BINARY, "c", Map.of("max.in.flight.requests.per.connection", "2")));
        assertMessage("'transactional.id' cannot be set", () -> new PublisherSettings("h:1", "t",
                CloudEventMode.BINARY, "c", Map.of("transactional.id", "x")));
        assertMessage("linger.ms", () -> new PublisherSettings("h:1", "t", CloudEventMode.BINARY, "c",
                Map.of("linger.ms", "soon")));
        assertMessage("delivery.timeout.ms", () -> new PublisherSettings("h:1", "t", CloudEventMode.BINARY, "c",
                Map.of("delivery.timeout.ms", "1000")));

        Map<String, Object> config = new PublisherSettings("h:1,[::1]:9093", "hydra.events", CloudEventMode.BINARY,
                "hydra-n1", Map.of("compression.type", "zstd", "acks", "-1")).producerConfig();
        assertEquals("all", config.get("acks"));
        assertEquals("true", config.get("enable.idempotence"));
        assertEquals("zstd", config.get("compression.type"));
        assertEquals(10_000, config.get("max.block.ms"));
        assertEquals(30_000, config.get("delivery.timeout.ms"));
        assertEquals(1, config.get("max.in.flight.requests.per.connection"));
    }

    static PublisherSettings settings(KafkaBroker broker, String topic, CloudEventMode mode) {
        return new PublisherSettings(broker.bootstrapServers(), topic, mode, "hydra-test", QUICK, QUICK_BACKOFF);
    }

    private static void assertMessage(String expected, Runnable action) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                action::run);
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should say " + expected);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
