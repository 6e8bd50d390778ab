package io.hydra.spi.storage;

import java.time.Instant;

public record BlobInfo(String name, long length, Instant modified) {
}
