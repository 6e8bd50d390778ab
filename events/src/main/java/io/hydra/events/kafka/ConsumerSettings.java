package io.hydra.events.kafka;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * What an automation needs to read Hydra's events.
 *
 * @param bootstrapServers   Kafka brokers, {@code host:port[,host:port...]}
 * @param topic              the events topic, {@link PublisherSettings#DEFAULT_TOPIC} by default
 * @param groupId            the consumer group: its committed offsets are where a restarted automation resumes
 * @param consumerProperties extra Kafka consumer properties (security, {@code auto.offset.reset}, ...); the
 *                           deserializers and offset committing are the library's
 */
public record ConsumerSettings(String bootstrapServers, String topic, String groupId,
                               Map<String, String> consumerProperties) {
    /** The library reads bytes and decodes them itself, and commits only what its caller has handled. */
    private static final Set<String> OWNED = Set.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);

    public ConsumerSettings {
        bootstrapServers = SettingChecks.bootstrapServers("bootstrapServers", bootstrapServers);
        topic = SettingChecks.topic("topic", topic);
        groupId = SettingChecks.nonBlank("groupId", groupId);
        consumerProperties = Map.copyOf(Objects.requireNonNull(consumerProperties, "consumerProperties"));
        for (String key : consumerProperties.keySet()) {
            if (OWNED.contains(key)) {
                throw new IllegalArgumentException("consumer property '" + key + "' cannot be set: the consumer "
                        + "library sets it");
            }
        }
    }

    public ConsumerSettings(String bootstrapServers, String topic, String groupId) {
        this(bootstrapServers, topic, groupId, Map.of());
    }
}
