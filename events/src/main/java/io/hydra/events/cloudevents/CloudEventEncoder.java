package io.hydra.events.cloudevents;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.format.DateTimeFormatter;
import java.util.Objects;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.events.HydraEvent;

/**
 * Turns a {@link HydraEvent} into a Kafka record following the CloudEvents 1.0 Kafka protocol binding, in the
 * configured {@link CloudEventMode}. The record key is the container id, so that Kafka's default partitioner puts
 * all of one container's events in one partition, in order; daemon events (no subject) are keyed by node id.
 */
public final class CloudEventEncoder {
    private final CloudEventMode mode;

    public CloudEventEncoder(CloudEventMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    public CloudEventMode mode() {
        return mode;
    }

    public ProducerRecord<String, byte[]> toRecord(String topic, HydraEvent event) {
        return switch (mode) {
            case STRUCTURED -> structured(topic, event);
            case BINARY -> binary(topic, event);
        };
    }

    /** The record key: the container id, or for daemon events the node id taken from the source. */
    public static String keyOf(HydraEvent event) {
        return event.isDaemonEvent() ? event.nodeId() : event.subject();
    }

    /** RFC 3339 in UTC with the instant's own precision, e.g. {@code 2026-11-22T04:44:54.123Z}. */
    static String rfc3339(HydraEvent event) {
        return DateTimeFormatter.ISO_INSTANT.format(event.time());
    }

    private ProducerRecord<String, byte[]> structured(String topic, HydraEvent event) {
        ObjectNode json = EventJson.MAPPER.createObjectNode();
        json.put(KafkaCloudEvents.SPECVERSION, HydraEvent.SPEC_VERSION);
        json.put(KafkaCloudEvents.ID, event.id());
        json.put(KafkaCloudEvents.SOURCE, event.source());
        json.put(KafkaCloudEvents.TYPE, event.type());
        // The spec requires a present subject to be non-empty: daemon events leave it out.
        if (!event.isDaemonEvent()) {
            json.put(KafkaCloudEvents.SUBJECT, event.subject());
        }
        json.put(KafkaCloudEvents.TIME, rfc3339(event));
        json.put(KafkaCloudEvents.DATACONTENTTYPE, KafkaCloudEvents.JSON_CONTENT_TYPE);
        if (event.sequence() > 0) {
            json.put(KafkaCloudEvents.HYDRA_SEQUENCE, event.sequence());
        }
        json.set(KafkaCloudEvents.DATA, EventJson.MAPPER.valueToTree(event.data()));
        RecordHeaders headers = new RecordHeaders();
        headers.add(KafkaCloudEvents.CONTENT_TYPE_HEADER, KafkaCloudEvents.STRUCTURED_CONTENT_TYPE.getBytes(UTF_8));
        return new ProducerRecord<>(topic, null, keyOf(event), json(json, event), headers);
    }

    private ProducerRecord<String, byte[]> binary(String topic, HydraEvent event) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, KafkaCloudEvents.SPECVERSION, HydraEvent.SPEC_VERSION);
        add(headers, KafkaCloudEvents.ID, event.id());
        add(headers, KafkaCloudEvents.SOURCE, event.source());
        add(headers, KafkaCloudEvents.TYPE, event.type());
        if (!event.isDaemonEvent()) {
            add(headers, KafkaCloudEvents.SUBJECT, event.subject());
        }
        add(headers, KafkaCloudEvents.TIME, rfc3339(event));
        if (event.sequence() > 0) {
            add(headers, KafkaCloudEvents.HYDRA_SEQUENCE, Long.toString(event.sequence()));
        }
        headers.add(KafkaCloudEvents.CONTENT_TYPE_HEADER, KafkaCloudEvents.JSON_CONTENT_TYPE.getBytes(UTF_8));
        return new ProducerRecord<>(topic, null, keyOf(event), json(event.data(), event), headers);
    }

    private static void add(RecordHeaders headers, String attribute, String value) {
        headers.add(KafkaCloudEvents.header(attribute), value.getBytes(UTF_8));
    }

    private static byte[] json(Object value, HydraEvent event) {
        try {
            return EventJson.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            // Only a data value Jackson cannot write gets here: a bug in whoever built the event.
            throw new IllegalArgumentException("event " + event.id() + " (" + event.type() + ") has data that is not "
                    + "JSON-serializable: " + e.getOriginalMessage(), e);
        }
    }
}
