package io.hydra.events;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One lifecycle event, shaped as a CloudEvents 1.0 event: {@code id} is unique (consumers drop duplicates by it),
 * {@code source} is {@code hydra://NODE}, {@code subject} the container id, {@code data} a flat JSON object.
 *
 * @param sequence the position in this node's outbox (0 until stored)
 */
public record HydraEvent(long sequence, String id, String type, String source, String subject, Instant time,
                         Map<String, Object> data) {
    public static final String SPEC_VERSION = "1.0";

    public HydraEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(time, "time");
        data = Map.copyOf(data);
    }

    public static HydraEvent of(String type, String nodeId, String subject, Map<String, Object> data) {
        return new HydraEvent(0, UUID.randomUUID().toString(), type, "hydra://" + nodeId, subject == null ? "" : subject,
                Instant.now(), data);
    }

    public HydraEvent withSequence(long sequence) {
        return new HydraEvent(sequence, id, type, source, subject, time, data);
    }
}
