package io.hydra.events.kafka;

import java.util.Map;
import java.util.Objects;

import io.hydra.events.cloudevents.CloudEventMode;

/**
 * What the daemon tells its Kafka publisher. Immutable and checked on construction: a bad value fails here, with a
 * message naming the setting, rather than later in the publishing thread.
 *
 * @param bootstrapServers   Kafka brokers, {@code host:port[,host:port...]}
 * @param topic              where the events go, {@link #DEFAULT_TOPIC} by default
 * @param mode               the CloudEvents mode of the records
 * @param clientId           Kafka client id, shown in broker logs and quotas, e.g. {@code hydra-NODE}
 * @param producerProperties extra Kafka producer properties (security, compression, timeouts); those the
 *                           publisher's guarantees rest on (acks, idempotence, ordering) cannot be weakened
 * @param backoff            the delay between failed attempts
 */
public record PublisherSettings(String bootstrapServers, String topic, CloudEventMode mode, String clientId,
                                Map<String, String> producerProperties, Backoff backoff) {
    public static final String DEFAULT_TOPIC = "hydra.events";

    public PublisherSettings {
        bootstrapServers = SettingChecks.bootstrapServers("bootstrapServers", bootstrapServers);
        topic = SettingChecks.topic("topic", topic);
        Objects.requireNonNull(mode, "mode");
        clientId = SettingChecks.nonBlank("clientId", clientId);
        producerProperties = Map.copyOf(Objects.requireNonNull(producerProperties, "producerProperties"));
        Objects.requireNonNull(backoff, "backoff");
        ProducerProperties.build(bootstrapServers, clientId, producerProperties);
    }

    /** Default back-off (200 ms to 10 s). */
    public PublisherSettings(String bootstrapServers, String topic, CloudEventMode mode, String clientId,
                             Map<String, String> producerProperties) {
        this(bootstrapServers, topic, mode, clientId, producerProperties, Backoff.DEFAULT);
    }

    public PublisherSettings withBackoff(Backoff backoff) {
        return new PublisherSettings(bootstrapServers, topic, mode, clientId, producerProperties, backoff);
    }

    /** The complete producer configuration the publisher uses. */
    public Map<String, Object> producerConfig() {
        return ProducerProperties.build(bootstrapServers, clientId, producerProperties);
    }
}
