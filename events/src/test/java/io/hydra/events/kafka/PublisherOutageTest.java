package io.hydra.events.kafka;

import static io.hydra.events.kafka.EventStreams.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.hydra.events.HydraEvent;
import io.hydra.events.cloudevents.CloudEventMode;
import io.hydra.events.testing.InMemoryOutbox;
import io.hydra.events.testing.KafkaBroker;

/** The broker goes away while the daemon keeps producing events, then comes back: nothing is lost or reordered. */
class PublisherOutageTest {
    private static KafkaBroker broker;

    @BeforeAll
    static void startOwnBroker() {
        // Its own broker: stopping the shared one would disturb the other test classes.
        broker = new KafkaBroker().start();
    }

    @AfterAll
    static void closeBroker() {
        broker.close();
    }

    @Test
    void everyEventArrivesInOrderAfterTheBrokerComesBack() {
        String topic = EventStreams.uniqueTopic("outage");
        broker.createTopic(topic, 3);
        String bootstrap = broker.bootstrapServers();
        InMemoryOutbox outbox = new InMemoryOutbox();
        List<HydraEvent> published = new ArrayList<>(outbox.append(EventStreams.interleaved("node-1", 5, 10)));

        try (LogCapture log = new LogCapture(KafkaEventPublisher.class);
             KafkaEventPublisher publisher = KafkaEventPublisher.start(outbox,
                     KafkaEventPublisherTest.settings(broker, topic, CloudEventMode.BINARY))) {
            await(Duration.ofSeconds(30), () -> publisher.backlog() == 0, () -> "the first events go out");

            broker.stop();
            // The daemon goes on: events keep coming while Kafka is away, some before the publisher notices.
            for (int i = 0; i < 4; i++) {
                published.addAll(outbox.append(EventStreams.interleaved("node-1", 5, 5)));
                sleep(Duration.ofMillis(700));
            }
            await(Duration.ofSeconds(20), () -> publisher.lastError().isPresent(), () -> "the outage is reported");
            assertFalse(publisher.connected());
            assertTrue(publisher.backlog() > 0, "events wait in the outbox");
            sleep(Duration.ofSeconds(3));
            published.addAll(outbox.append(EventStreams.interleaved("node-1", 5, 2)));

            broker.start();
            assertEquals(bootstrap, broker.bootstrapServers(), "back on the same port");
            // The publisher marks the outbox first and then its health: wait for both, not just the backlog.
            await(Duration.ofSeconds(45), () -> publisher.backlog() == 0 && publisher.connected(),
                    () -> "the backlog drains after the "
                    + "outage; it is " + publisher.backlog() + ", last error " + publisher.lastError());
            assertTrue(publisher.connected());
            assertEquals(java.util.Optional.empty(), publisher.lastError());
            assertEquals(1, log.warnings().size(), () -> "one warning per outage, got " + log.warnings());
            assertTrue(log.messages().stream().anyMatch(m -> m.contains("works again")), () -> "recovery is logged: "
                    + log.messages());
        }

        List<HydraEvent> received = EventStreams.readAll(bootstrap, topic,
                published.stream().map(HydraEvent::id).collect(Collectors.toSet()), Duration.ofSeconds(30));
        EventStreams.assertDeliveredInOrderPerKey(published, received);
        assertEquals(published.stream().map(HydraEvent::sequence).toList(), outbox.publishedSequences(),
                "every event marked published exactly once, in order");
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
