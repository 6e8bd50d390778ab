package io.hydra.events.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka producer configuration of the publisher: our defaults, then the operator's extra properties, then the
 * settings the outbox's guarantees rest on, which an extra property may not weaken.
 */
final class ProducerProperties {
    /** How long send() may block on metadata (unknown topic, broker down) before failing the attempt. */
    static final Duration MAX_BLOCK = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** The bound on one event's delivery, retries included: after it, the attempt fails and we back off. */
    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    /**
     * One produce request at a time per broker. Kafka says an idempotent producer keeps order with up to 5, but that
     * rests on the broker knowing the producer: a partition leader with no state for a producer id (a new producer,
     * which we create after every failure, or a leader just elected) takes whatever sequence comes first. When the
     * first request of a new producer fails retriably (NOT_LEADER_OR_FOLLOWER on a new topic or after a leader
     * change), the requests behind it are stored, the retried first one is refused as out of order until it expires,
     * and our re-send then puts a container's first events after its later ones. With one in flight nothing is
     * sent behind a request whose fate is unknown.
     */
    private static final int MAX_IN_FLIGHT_WITH_ORDER = 1;
    /** Set from the settings record and the serializers we pass in; an extra property must not set them. */
    private static final Set<String> OWNED = Set.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.CLIENT_ID_CONFIG, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    private ProducerProperties() {
    }

    static Map<String, Object> build(String bootstrapServers, String clientId, Map<String, String> extra) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis());
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Kafka's default reconnects within 1 s and warns on each attempt; an outage needs fewer, slower tries.
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10_000);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, MAX_IN_FLIGHT_WITH_ORDER);
        for (var e : extra.entrySet()) {
            if (OWNED.contains(e.getKey())) {
                throw new IllegalArgumentException("producer property '" + e.getKey() + "' cannot be set: the "
                        + "publisher sets it (bootstrap servers and client id come from their own settings; the "
                        + "publisher is idempotent, not transactional)");
            }
            config.put(e.getKey(), e.getValue());
        }
        requireGuarantee(config, ProducerConfig.ACKS_CONFIG, "all", Set.of("all", "-1"),
                "an event leaves the outbox only once every in-sync replica has it");
        requireGuarantee(config, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", Set.of("true"),
                "retries must neither duplicate nor reorder a container's events");
        int inFlight = integer(config, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        if (inFlight != MAX_IN_FLIGHT_WITH_ORDER) {
            throw new IllegalArgumentException("producer property '"
                    + ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + "' must be " + MAX_IN_FLIGHT_WITH_ORDER
                    + " (a request sent behind a failed first request of a new producer can be stored before it, "
                    + "reordering a container's events), got " + inFlight);
        }
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        validate(config);
        return Map.copyOf(config);
    }

    static Duration deliveryTimeout(Map<String, Object> config) {
        return Duration.ofMillis(integer(config, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
    }

    private static void requireGuarantee(Map<String, Object> config, String key, String value, Set<String> accepted,
                                         String why) {
        Object given = config.get(key);
        if (given != null && !accepted.contains(given.toString().trim().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("producer property '" + key + "' must be " + value + " (" + why
                    + "), got " + given);
        }
        config.put(key, value);
    }

    /** Kafka's own type checks, without building a producer (which would log and start threads). */
    private static void validate(Map<String, Object> config) {
        Map<String, Object> complete = new LinkedHashMap<>(config);
        // BatchSender passes serializer instances; the parser wants to see some.
        complete.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        complete.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try {
            Map<String, Object> parsed = ProducerConfig.configDef().parse(complete);
            long linger = ((Number) parsed.get(ProducerConfig.LINGER_MS_CONFIG)).longValue();
            long request = ((Number) parsed.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)).longValue();
            long delivery = ((Number) parsed.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)).longValue();
            if (delivery < linger + request) {
                // KafkaProducer's constructor would reject this later, in the publishing thread, over and over.
                throw new IllegalArgumentException("producer property '" + ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG
                        + "' (" + delivery + ") must be at least linger.ms + request.timeout.ms (" + (linger + request)
                        + ")");
            }
        } catch (ConfigException e) {
            throw new IllegalArgumentException("invalid producer property: " + e.getMessage(), e);
        }
    }

    private static int integer(Map<String, Object> config, String key) {
        Object value = config.get(key);
        try {
            return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("producer property '" + key + "' must be a number, got " + value, e);
        }
    }
}
