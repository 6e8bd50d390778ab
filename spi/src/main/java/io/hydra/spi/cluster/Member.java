package io.hydra.spi.cluster;

import java.util.Objects;

/** A live member: its node id and the record it advertises. */
public record Member(String nodeId, String record) {
    public Member {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(record, "record");
    }
}
