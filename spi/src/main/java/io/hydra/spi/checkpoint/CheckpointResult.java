package io.hydra.spi.checkpoint;

import java.time.Duration;

public record CheckpointResult(Duration frozen, Duration total) {
}
