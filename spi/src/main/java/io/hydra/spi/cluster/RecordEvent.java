package io.hydra.spi.cluster;

import java.util.Objects;

/** A record was written or deleted; {@code value} is empty and {@code version} the deletion's revision on delete. */
public record RecordEvent(Kind kind, String key, String value, long version) {
    public enum Kind { PUT, DELETE }

    public RecordEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        value = value == null ? "" : value;
    }
}
