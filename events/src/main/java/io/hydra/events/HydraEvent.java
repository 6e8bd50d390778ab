package io.hydra.events;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
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
    /** Every Hydra source is {@code hydra://} followed by the node id. */
    public static final String SOURCE_PREFIX = "hydra://";

    public HydraEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(time, "time");
        data = Map.copyOf(data);
    }

    public static HydraEvent of(String type, String nodeId, String subject, Map<String, Object> data) {
        return new HydraEvent(0, UUID.randomUUID().toString(), type, SOURCE_PREFIX + nodeId,
                subject == null ? "" : subject, Instant.now(), data);
    }

    public HydraEvent withSequence(long sequence) {
        return new HydraEvent(sequence, id, type, source, subject, time, data);
    }

    // ---- Typed views of the common payload fields (ContainerService#event writes them), for consumers.

    /** The node that emitted the event: {@code source} without its {@code hydra://} scheme. */
    public String nodeId() {
        return nodeIdOf(source);
    }

    /** The node id in a {@code hydra://NODE} source; a source in another form is returned whole. */
    public static String nodeIdOf(String source) {
        return source.startsWith(SOURCE_PREFIX) ? source.substring(SOURCE_PREFIX.length()) : source;
    }

    /** True for events about the daemon itself (started, recovered), which have no container subject. */
    public boolean isDaemonEvent() {
        return subject == null || subject.isEmpty();
    }

    /** The container's name ({@code data.name}), for container events. */
    public Optional<String> containerName() {
        return text("name");
    }

    /** The container's status after the change ({@code data.status}, e.g. {@code running}, {@code exited}). */
    public Optional<String> status() {
        return text("status");
    }

    /** The exit code ({@code data.exitCode}), present once the container exited and its status was learned. */
    public OptionalInt exitCode() {
        return data.get("exitCode") instanceof Number n ? OptionalInt.of(n.intValue()) : OptionalInt.empty();
    }

    /** The signal that killed the container ({@code data.signal}, e.g. {@code SIGKILL}). */
    public Optional<String> signal() {
        return text("signal");
    }

    /** Whether the kernel's OOM killer ended the container ({@code data.oomKilled}; an OOM event is one too). */
    public boolean oomKilled() {
        return Boolean.TRUE.equals(data.get("oomKilled")) || EventType.CONTAINER_OOM.equals(type);
    }

    /** Why the container exited, in the daemon's words ({@code data.reason}). */
    public Optional<String> reason() {
        return text("reason");
    }

    private Optional<String> text(String field) {
        Object value = data.get(field);
        return value == null ? Optional.empty() : Optional.of(value.toString());
    }
}
