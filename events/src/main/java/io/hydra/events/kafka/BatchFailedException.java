package io.hydra.events.kafka;

/**
 * A batch that Kafka did not fully acknowledge. The first {@code acknowledged} events were acknowledged, in order,
 * and may leave the outbox; the rest must be sent again.
 */
final class BatchFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int acknowledged;
    private final boolean producerUnusable;

    BatchFailedException(int acknowledged, Throwable cause, boolean producerUnusable) {
        super(cause.getMessage(), cause);
        this.acknowledged = acknowledged;
        this.producerUnusable = producerUnusable;
    }

    int acknowledged() {
        return acknowledged;
    }

    /**
     * True when the producer must be closed and replaced before the retry: its sends still in progress could
     * otherwise land after the re-sent events, or it is in a state (fenced, closed) it cannot leave.
     */
    boolean producerUnusable() {
        return producerUnusable;
    }
}
