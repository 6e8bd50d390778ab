package io.hydra.events.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.hydra.events.HydraEvent;
import io.hydra.events.cloudevents.CloudEventDecoder;
import io.hydra.events.cloudevents.NotAHydraEventException;

/**
 * Reads Hydra's events from Kafka as typed {@link HydraEvent}s, structured or binary alike. Records that are not Hydra
 * CloudEvents (another producer's, garbage, missing headers) are skipped with a warning naming topic, partition and
 * offset; nothing a record contains can throw out of {@link #poll}.
 *
 * <p>Delivery is at least once: offsets are committed only by {@link #commit()} (which {@link #run} calls after each
 * handled batch), so an automation that dies mid-batch sees those events again. Hydra may also publish an event twice;
 * drop duplicates by {@link HydraEvent#id()}. Like {@code KafkaConsumer}, one thread uses it; {@link #stop()} is the
 * exception.
 */
public final class HydraEventConsumer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(HydraEventConsumer.class.getName());

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean stopping;
    private boolean uncommitted;

    public HydraEventConsumer(ConsumerSettings settings) {
        Map<String, Object> config = new HashMap<>();
        // A new group starts from the oldest retained event unless the caller says otherwise.
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putAll(settings.consumerProperties());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.consumer.subscribe(List.of(settings.topic()));
    }

    /**
     * Waits up to {@code timeout} for records and returns the Hydra events among them, in offset order per partition
     * (so per container). Throws {@link WakeupException} if {@link #stop()} was called.
     */
    public List<HydraEvent> poll(Duration timeout) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        List<HydraEvent> events = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            uncommitted = true;
            try {
                events.add(CloudEventDecoder.decode(record.headers(), record.value()));
            } catch (NotAHydraEventException e) {
                skipped.incrementAndGet();
                LOG.log(Level.WARNING, "skipping record {0}-{1} offset {2} (key {3}): {4}", record.topic(),
                        String.valueOf(record.partition()), String.valueOf(record.offset()), key(record),
                        e.getMessage());
            }
        }
        return events;
    }

    /** Commits the offsets of every record {@link #poll} has returned (skipped ones too, so they stay skipped). */
    public void commit() {
        if (uncommitted) {
            consumer.commitSync();
            uncommitted = false;
        }
    }

    /**
     * Polls and hands each event to {@code handler}, committing after each batch, until {@link #stop()}. An exception
     * from the handler ends the loop without committing that batch, and propagates.
     */
    public void run(Consumer<HydraEvent> handler) {
        try {
            while (!stopping) {
                for (HydraEvent event : poll(Duration.ofSeconds(1))) {
                    handler.accept(event);
                }
                commit();
            }
        } catch (WakeupException e) {
            if (!stopping) {
                throw e;
            }
        }
    }

    /** Makes {@link #run} return (and a blocked {@link #poll} throw {@link WakeupException}); any thread may call it. */
    public void stop() {
        stopping = true;
        consumer.wakeup();
    }

    /** Records skipped because they were not Hydra events. */
    public long skipped() {
        return skipped.get();
    }

    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? "none" : "'" + new String(record.key(), UTF_8) + "'";
    }
}
