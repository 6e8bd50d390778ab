package io.hydra.events.cloudevents;

/**
 * A Kafka record that is not a Hydra CloudEvent: another producer's record on the topic, a CloudEvent that is not
 * Hydra's, or bytes that do not parse. Checked, so that every caller decides what skipping means for it.
 */
public final class NotAHydraEventException extends Exception {
    private static final long serialVersionUID = 1L;

    public NotAHydraEventException(String reason) {
        super(reason);
    }

    public NotAHydraEventException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
