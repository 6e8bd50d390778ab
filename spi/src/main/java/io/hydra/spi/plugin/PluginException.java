package io.hydra.spi.plugin;

/** A plugin could not do what was asked; the message is meant for the user. */
public class PluginException extends RuntimeException {
    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
