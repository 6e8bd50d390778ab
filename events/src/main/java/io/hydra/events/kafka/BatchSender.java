package io.hydra.events.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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

/**
 * One Kafka producer, used by the publishing thread alone: sends a batch in order and waits for its acks.
 *
 * <p>An idempotent producer that fails one record does not stop: it bumps its epoch and goes on sending the records
 * queued behind it, so Kafka could store a container's event n+1 without event n, and our retry would then put n
 * after n+1. To keep per-container order, the first failure reported on the producer's I/O thread closes the producer
 * right there, in the callback, before that thread sends anything else; the publisher then starts a new producer
 * from the first unacknowledged event.
 */
final class BatchSender implements AutoCloseable {
    /** Slack over delivery.timeout.ms, after which the producer has failed the send itself. */
    private static final Duration ACK_WAIT_MARGIN = Duration.ofSeconds(5);

    private final KafkaProducer<String, byte[]> producer;
    private final CloudEventEncoder encoder;
    private final String topic;
    private final Duration ackWait;
    private final Thread owner = Thread.currentThread();
    /** The first failure of this producer, kept because the records failed by closing it report only that. */
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private volatile boolean closedAfterFailure;

    /**
     * Creating a producer does not connect: it fails only on configuration, which the settings checked. Must be
     * created by the thread that will send.
     */
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
     * acknowledged; otherwise says how many, from the first, were, and whether this producer can be used again.
     * Must not be called again once it reported the producer unusable.
     */
    void send(List<HydraEvent> batch) throws InterruptedException, BatchFailedException {
        // A producer is reused only after failures that left nothing in flight: forget those.
        firstFailure.set(null);
        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
        for (HydraEvent event : batch) {
            if (firstFailure.get() != null) {
                break;
            }
            try {
                acks.add(producer.send(encoder.toRecord(topic, event), this::completed));
            } catch (InterruptException e) {
                throw new InterruptedException("interrupted while sending to Kafka");
            } catch (RuntimeException e) {
                firstFailure.compareAndSet(null, e);
                break;
            }
        }
        int acknowledged = 0;
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get(ackWait.toMillis(), TimeUnit.MILLISECONDS);
                acknowledged++;
            } catch (ExecutionException e) {
                firstFailure.compareAndSet(null, (Exception) e.getCause());
                break;
            } catch (java.util.concurrent.TimeoutException e) {
                firstFailure.compareAndSet(null, new TimeoutException("Kafka did not acknowledge an event within "
                        + ackWait.toSeconds() + " s"));
                break;
            }
        }
        Exception failure = firstFailure.get();
        if (failure != null) {
            boolean pending = acks.stream().anyMatch(a -> !a.isDone());
            throw new BatchFailedException(acknowledged, failure,
                    closedAfterFailure || pending || !(failure instanceof RetriableException));
        }
    }

    /**
     * Runs once per record, in order per partition: on the producer's I/O thread, or on ours when send() fails at
     * once (metadata timeout). Closing from a callback must not wait, hence Duration.ZERO.
     */
    private void completed(RecordMetadata metadata, Exception failure) {
        if (failure == null) {
            return;
        }
        firstFailure.compareAndSet(null, failure);
        if (Thread.currentThread() != owner && !closedAfterFailure) {
            closedAfterFailure = true;
            producer.close(Duration.ZERO);
        }
    }

    /** Closes without waiting: whatever it still holds is in the outbox and will be sent again. */
    @Override
    public void close() {
        producer.close(Duration.ZERO);
    }
}
