package io.hydra.events.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.hydra.events.HydraEvent;
import io.hydra.events.outbox.Outbox;

/**
 * The {@link Outbox} contract as the daemon's SQLite store keeps it, in memory: append assigns increasing sequences,
 * unpublished returns the oldest first, markPublished is final and idempotent, awaitEventAfter wakes on appends (and, like the store,
 * returns at once when any event newer than the given sequence exists, published or not).
 */
public final class InMemoryOutbox implements Outbox {
    private final TreeMap<Long, HydraEvent> unpublished = new TreeMap<>();
    private final List<Long> publishedInOrder = new ArrayList<>();
    private final AtomicInteger unpublishedCalls = new AtomicInteger();
    private long lastSequence;

    /** Appends events (as the store does in a state change's transaction); returns them with their sequences. */
    public synchronized List<HydraEvent> append(HydraEvent... events) {
        List<HydraEvent> stored = new ArrayList<>();
        for (HydraEvent event : events) {
            HydraEvent withSequence = event.withSequence(++lastSequence);
            unpublished.put(withSequence.sequence(), withSequence);
            stored.add(withSequence);
        }
        notifyAll();
        return stored;
    }

    /** Appends events already published by an earlier daemon run: history the publisher must not send again. */
    public synchronized void appendPublished(HydraEvent... events) {
        for (HydraEvent event : events) {
            publishedInOrder.add(event.withSequence(++lastSequence).sequence());
        }
        notifyAll();
    }

    @Override
    public synchronized List<HydraEvent> unpublished(int max) {
        unpublishedCalls.incrementAndGet();
        return unpublished.values().stream().limit(max).toList();
    }

    @Override
    public synchronized void markPublished(List<Long> sequences) {
        for (Long sequence : sequences) {
            // Like an SQL UPDATE, marking an event twice changes nothing.
            if (unpublished.remove(sequence) != null) {
                publishedInOrder.add(sequence);
            }
        }
    }

    @Override
    public synchronized long backlog() {
        return unpublished.size();
    }

    @Override
    public synchronized void awaitEventAfter(long sequence, long timeoutMillis) throws InterruptedException {
        if (lastSequence <= sequence) {
            wait(timeoutMillis);
        }
    }

    /** Sequences in the order they were marked published. */
    public synchronized List<Long> publishedSequences() {
        return List.copyOf(publishedInOrder);
    }

    /** How many times a publisher asked for unpublished events (to see that an idle one does not spin). */
    public int unpublishedCalls() {
        return unpublishedCalls.get();
    }

    /** The waiting events, oldest first. */
    public synchronized Map<Long, HydraEvent> waiting() {
        return new TreeMap<>(unpublished);
    }
}
