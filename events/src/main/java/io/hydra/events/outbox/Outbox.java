package io.hydra.events.outbox;

import java.util.List;

import io.hydra.events.HydraEvent;

/**
 * The durable outbox the daemon appends events to, in the same transaction as the state change that caused them.
 * A publisher drains it: an event leaves (is marked published) only after the external system acknowledged it.
 */
public interface Outbox {
    /** The oldest events not yet published, in sequence order, at most {@code max}. */
    List<HydraEvent> unpublished(int max);

    /** Marks these events (by {@link HydraEvent#sequence()}) as published. Durable before it returns. */
    void markPublished(List<Long> sequences);

    /** How many events wait to be published. */
    long backlog();

    /** Blocks until an event with a sequence above {@code sequence} exists, or the timeout passes. */
    void awaitEventAfter(long sequence, long timeoutMillis) throws InterruptedException;
}
