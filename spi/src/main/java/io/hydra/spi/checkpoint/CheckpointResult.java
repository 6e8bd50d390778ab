package io.hydra.spi.checkpoint;

import java.time.Duration;

/**
 * @param frozen       how long the container's processes were frozen (from the dump's own statistics)
 * @param total        the whole dump, as the caller saw it
 * @param pagesWritten memory pages written to the image
 */
public record CheckpointResult(Duration frozen, Duration total, long pagesWritten) {
}
