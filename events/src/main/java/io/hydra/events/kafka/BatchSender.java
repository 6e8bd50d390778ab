package io.hydra.events.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.hydra.events.HydraEvent;
import io.hydra.events.cloudevents.CloudEventEncoder;

/** One Kafka producer, used by the publishing thread alone: sends a batch in order and waits for its acks. */
final class BatchSender implements AutoCloseable {
    /** Slack over delivery.timeout.ms, after which the producer has failed the send itself. */
    private static final Duration ACK_WAIT_MARGIN = Duration.ofSeconds(5);

    private final KafkaProducer<String, byte[]> producer;
    private final CloudEventEncoder encoder;
    private final String topic;
    private final Duration ackWait;

    /** Creating a producer does not connect: it fails only on configuration, which the settings checked. */
    BatchSender(PublisherSettings settings) {
        var config = settings.producerConfig();
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.encoder = new CloudEventEncoder(settings.mode());
        this.topic = settings.topic();
        this.ackWait = ProducerProperties.deliveryTimeout(config).plus(ACK_WAIT_MARGIN);
    }

    /** Asks for the topic's partitions: proves the broker answers and the topic exists (or was auto-created). */
    void probe() throws InterruptedException, BatchFailedException {
        try {
            producer.partitionsFor(topic);
        } catch (InterruptException e) {
            throw new InterruptedException("interrupted while asking Kafka for topic metadata");
        } catch (KafkaException e) {
            throw new BatchFailedException(0, e, !(e instanceof RetriableException));
        }
    }

    /**
     * Sends every event in order, then waits for each acknowledgement in order. Returns only when all were
     * acknowledged; otherwise says how many, from the first, were.
     */
    void send(List<HydraEvent> batch) throws InterruptedException, BatchFailedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
        RuntimeException sendFailure = null;
        for (HydraEvent event : batch) {
            Future<RecordMetadata> ack;
            try {
                ack = producer.send(encoder.toRecord(topic, event));
            } catch (InterruptException e) {
                throw new InterruptedException("interrupted while sending to Kafka");
            } catch (RuntimeException e) {
                sendFailure = e;
                break;
            }
            acks.add(ack);
            // A metadata timeout comes back as an already failed future: stop here, or each following event
            // would block for max.block.ms too.
            if (ack.isDone() && failed(ack)) {
                break;
            }
        }
        int acknowledged = 0;
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get(ackWait.toMillis(), TimeUnit.MILLISECONDS);
                acknowledged++;
            } catch (ExecutionException e) {
                boolean pending = acks.stream().anyMatch(a -> !a.isDone());
                throw new BatchFailedException(acknowledged, e.getCause(),
                        pending || !(e.getCause() instanceof RetriableException));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new BatchFailedException(acknowledged, new TimeoutException("Kafka did not acknowledge an "
                        + "event within " + ackWait.toSeconds() + " s"), true);
            }
        }
        if (sendFailure != null) {
            throw new BatchFailedException(acknowledged, sendFailure, !(sendFailure instanceof RetriableException));
        }
    }

    private static boolean failed(Future<RecordMetadata> done) {
        try {
            done.get();
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Closes without waiting: whatever it still holds is in the outbox and will be sent again. */
    @Override
    public void close() {
        producer.close(Duration.ZERO);
    }
}
