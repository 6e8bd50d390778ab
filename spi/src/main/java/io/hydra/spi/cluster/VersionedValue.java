package io.hydra.spi.cluster;

import java.util.Objects;

/** A record and the version a compare-and-set must name to replace it (the engine's modification revision). */
public record VersionedValue(String key, String value, long version) {
    public VersionedValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
