package io.hydra.events.cloudevents;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;

import io.hydra.events.HydraEvent;

/**
 * Turns a Kafka record back into a {@link HydraEvent}, in either CloudEvents mode, telling the mode from the headers
 * the way the Kafka protocol binding says: a {@code content-type} of {@code application/cloudevents+json} means
 * structured, a {@code ce_specversion} header means binary. Anything else is rejected with the reason, so that a
 * consumer can skip it and say why.
 */
public final class CloudEventDecoder {
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private CloudEventDecoder() {
    }

    public static HydraEvent decode(Headers headers, byte[] value) throws NotAHydraEventException {
        String contentType = header(headers, KafkaCloudEvents.CONTENT_TYPE_HEADER);
        if (contentType != null && KafkaCloudEvents.mediaType(contentType).startsWith("application/cloudevents")) {
            if (!KafkaCloudEvents.mediaType(contentType).equals("application/cloudevents+json")) {
                throw new NotAHydraEventException("structured CloudEvent in an unsupported format: " + contentType);
            }
            return structured(value);
        }
        if (header(headers, KafkaCloudEvents.header(KafkaCloudEvents.SPECVERSION)) != null) {
            return binary(headers, value);
        }
        throw new NotAHydraEventException("not a CloudEvent: no content-type application/cloudevents+json and no "
                + KafkaCloudEvents.header(KafkaCloudEvents.SPECVERSION) + " header");
    }

    private static HydraEvent structured(byte[] value) throws NotAHydraEventException {
        JsonNode json = parse(value, "structured CloudEvent");
        if (!json.isObject()) {
            throw new NotAHydraEventException("structured CloudEvent value is not a JSON object");
        }
        Attributes attributes = name -> {
            JsonNode node = json.get(name);
            return node == null || node.isNull() ? null : node.asText();
        };
        return event(attributes, () -> {
            if (json.hasNonNull(KafkaCloudEvents.DATA_BASE64)) {
                throw new NotAHydraEventException("data is binary (data_base64), Hydra events carry a JSON object");
            }
            JsonNode data = json.get(KafkaCloudEvents.DATA);
            return data == null || data.isNull() ? Map.of() : dataMap(data);
        });
    }

    private static HydraEvent binary(Headers headers, byte[] value) throws NotAHydraEventException {
        Attributes attributes = name -> name.equals(KafkaCloudEvents.DATACONTENTTYPE)
                ? header(headers, KafkaCloudEvents.CONTENT_TYPE_HEADER)
                : header(headers, KafkaCloudEvents.header(name));
        return event(attributes, () -> value == null || value.length == 0
                ? Map.of()
                : dataMap(parse(value, "binary CloudEvent data")));
    }

    /**
     * Checks the attributes first, so that another producer's event is reported as such rather than by whatever its
     * data is; then reads the data.
     */
    private static HydraEvent event(Attributes attributes, Data data) throws NotAHydraEventException {
        String specVersion = attributes.get(KafkaCloudEvents.SPECVERSION);
        if (!HydraEvent.SPEC_VERSION.equals(specVersion)) {
            throw new NotAHydraEventException("CloudEvents specversion " + specVersion + ", expected 1.0");
        }
        String id = attributes.required(KafkaCloudEvents.ID);
        String source = attributes.required(KafkaCloudEvents.SOURCE);
        String type = attributes.required(KafkaCloudEvents.TYPE);
        // Other producers may publish well-formed CloudEvents to the same topic: those are not ours to interpret.
        if (!source.startsWith(HydraEvent.SOURCE_PREFIX) || !type.startsWith("io.hydra.")) {
            throw new NotAHydraEventException("a CloudEvent from another producer (source " + source + ", type "
                    + type + ")");
        }
        Instant time = time(attributes.required(KafkaCloudEvents.TIME));
        String contentType = attributes.get(KafkaCloudEvents.DATACONTENTTYPE);
        if (contentType != null && !KafkaCloudEvents.isJson(contentType)) {
            throw new NotAHydraEventException("data content type " + contentType + " is not JSON");
        }
        String subject = attributes.get(KafkaCloudEvents.SUBJECT);
        return new HydraEvent(sequence(attributes.get(KafkaCloudEvents.HYDRA_SEQUENCE)), id, type, source,
                subject == null ? "" : subject, time, data.read());
    }

    private static long sequence(String text) throws NotAHydraEventException {
        if (text == null) {
            return 0;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new NotAHydraEventException(KafkaCloudEvents.HYDRA_SEQUENCE + " is not a number: " + text);
        }
    }

    /** Any RFC 3339 form: {@code Z} or a numeric offset, any fraction of a second. */
    private static Instant time(String text) throws NotAHydraEventException {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new NotAHydraEventException("time is not RFC 3339: " + text);
        }
    }

    private static JsonNode parse(byte[] value, String what) throws NotAHydraEventException {
        if (value == null) {
            throw new NotAHydraEventException(what + " has no value");
        }
        try {
            return EventJson.MAPPER.readTree(value);
        } catch (IOException e) {
            throw new NotAHydraEventException(what + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static Map<String, Object> dataMap(JsonNode data) throws NotAHydraEventException {
        if (!data.isObject()) {
            throw new NotAHydraEventException("data is JSON but not an object");
        }
        Map<String, Object> map = EventJson.MAPPER.convertValue(data, MAP);
        // HydraEvent's data is an immutable map, which cannot hold null: an explicit null means "absent".
        map.values().removeIf(v -> v == null);
        return map;
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), UTF_8);
    }

    /** The event's data, read once its attributes proved it a Hydra event. */
    @FunctionalInterface
    private interface Data {
        Map<String, Object> read() throws NotAHydraEventException;
    }

    /**
     * One CloudEvents attribute lookup, over a JSON object or over ce_ headers. In binary mode the data content type
     * is the record's content-type header (the binding has no ce_datacontenttype).
     */
    @FunctionalInterface
    private interface Attributes {
        String get(String name);

        default String required(String name) throws NotAHydraEventException {
            String value = get(name);
            if (value == null || value.isEmpty()) {
                throw new NotAHydraEventException("the required CloudEvents attribute '" + name + "' is missing");
            }
            return value;
        }
    }
}
