package io.hydra.spi.checkpoint;

import io.hydra.spi.plugin.PluginException;

/** A dump failed; the message carries the tool's own explanation. */
public class CheckpointException extends PluginException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
