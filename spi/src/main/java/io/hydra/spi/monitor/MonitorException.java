package io.hydra.spi.monitor;

import io.hydra.spi.plugin.PluginException;

/** Launching a container under a monitor failed; the message carries the runtime's own error text. */
public class MonitorException extends PluginException {
    public MonitorException(String message) {
        super(message);
    }

    public MonitorException(String message, Throwable cause) {
        super(message, cause);
    }
}
