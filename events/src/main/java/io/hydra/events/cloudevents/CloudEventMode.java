package io.hydra.events.cloudevents;

import java.util.Locale;

/** The two ways the CloudEvents Kafka protocol binding carries an event in a record. */
public enum CloudEventMode {
    /** The whole event is a JSON object in the value; the content-type header says {@code application/cloudevents+json}. */
    STRUCTURED,
    /** The attributes are {@code ce_*} headers and the value is the event's data alone. */
    BINARY;

    /** Parses a configuration value, {@code structured} or {@code binary} in any case. */
    public static CloudEventMode parse(String text) {
        if (text != null) {
            for (CloudEventMode mode : values()) {
                if (mode.name().equals(text.trim().toUpperCase(Locale.ROOT))) {
                    return mode;
                }
            }
        }
        throw new IllegalArgumentException("CloudEvents mode must be 'structured' or 'binary', got '" + text + "'");
    }
}
