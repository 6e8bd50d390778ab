package io.hydra.spi.cluster;

import java.util.Objects;

/** A member joined (or changed its record), or its lease ended; {@code record} is empty when it ended. */
public record MemberEvent(Kind kind, String nodeId, String record) {
    public enum Kind { JOINED, LEFT }

    public MemberEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(nodeId, "nodeId");
        record = record == null ? "" : record;
    }
}
