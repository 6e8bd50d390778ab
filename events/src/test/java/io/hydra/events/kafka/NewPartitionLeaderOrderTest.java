package io.hydra.events.kafka;

import static io.hydra.events.kafka.EventStreams.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.events.cloudevents.CloudEventMode;
import io.hydra.events.testing.InMemoryOutbox;
import io.hydra.events.testing.KafkaBroker;
import io.hydra.events.testing.KafkaBrokerExtension;

/**
 * A new producer whose first request to a partition fails retriably (NOT_LEADER_OR_FOLLOWER while a new topic's
 * leader settles, as after any leader change) must not let the requests behind it be stored first: a broker with no
 * state for a producer id takes whatever sequence arrives first, refuses the retried first request as out of order
 * until it expires, and the publisher's re-send then lands a container's first events after its later ones.
 *
 * <p>The window is real and short (the broker's metadata names a new partition's leader a moment before that leader
 * takes requests), so the test opens it many times: waves of publishers start at once on a dozen topics just
 * created together. With five requests in flight, about one topic in ten came out reordered here.
 */
@ExtendWith(KafkaBrokerExtension.class)
class NewPartitionLeaderOrderTest {
    private static final int WAVES = 3;
    private static final int TOPICS_PER_WAVE = 12;

    @Test
    void firstEventsToNewPartitionsKeepTheirOrderPerContainer(KafkaBroker broker) {
        for (int wave = 0; wave < WAVES; wave++) {
            publishToNewTopicsAndCheckOrder(broker);
        }
    }

    private static void publishToNewTopicsAndCheckOrder(KafkaBroker broker) {
        List<String> topics = IntStream.range(0, TOPICS_PER_WAVE)
                .mapToObj(i -> EventStreams.uniqueTopic("new-leader")).toList();
        List<InMemoryOutbox> outboxes = new ArrayList<>();
        List<List<HydraEvent>> published = new ArrayList<>();
        for (int i = 0; i < TOPICS_PER_WAVE; i++) {
            InMemoryOutbox outbox = new InMemoryOutbox();
            // More than one producer batch per partition (16 KiB each), so that requests queue behind the first.
            List<HydraEvent> events = new ArrayList<>(outbox.append(EventStreams.interleaved("node-1", 8, 40)));
            events.addAll(outbox.append(HydraEvent.of(EventType.DAEMON_STARTED, "node-1", "", Map.of())));
            outboxes.add(outbox);
            published.add(events);
        }

        broker.createTopics(topics, 3);
        List<KafkaEventPublisher> publishers = new ArrayList<>();
        try {
            for (int i = 0; i < TOPICS_PER_WAVE; i++) {
                CloudEventMode mode = i % 2 == 0 ? CloudEventMode.STRUCTURED : CloudEventMode.BINARY;
                publishers.add(KafkaEventPublisher.start(outboxes.get(i),
                        KafkaEventPublisherTest.settings(broker, topics.get(i), mode)));
            }
            for (KafkaEventPublisher publisher : publishers) {
                await(Duration.ofSeconds(60), () -> publisher.backlog() == 0, () -> "the backlog of "
                        + publisher.settings().topic() + " drains, it is " + publisher.backlog() + ", last error "
                        + publisher.lastError());
            }
        } finally {
            publishers.forEach(KafkaEventPublisher::close);
        }

        Map<String, List<HydraEvent>> received = EventStreams.readToEnd(broker.bootstrapServers(), topics,
                Duration.ofSeconds(60));
        for (int i = 0; i < TOPICS_PER_WAVE; i++) {
            EventStreams.assertDeliveredInOrderPerKey(published.get(i), received.get(topics.get(i)));
            assertEquals(published.get(i).stream().map(HydraEvent::sequence).toList(),
                    outboxes.get(i).publishedSequences(), "marked published once each, in outbox order");
        }
    }
}
