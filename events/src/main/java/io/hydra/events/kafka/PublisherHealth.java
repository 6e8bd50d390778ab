package io.hydra.events.kafka;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the publisher tells the daemon about itself, written by the publishing thread and read by any. Logs an outage
 * once when it starts and once when it ends: a broker down for an hour must not fill the daemon's log.
 */
final class PublisherHealth {
    private static final Logger LOG = System.getLogger(KafkaEventPublisher.class.getName());

    private final String target;
    private final AtomicLong published = new AtomicLong();
    private volatile boolean connected;
    private volatile String lastError;
    private long outageStartNanos = -1;

    PublisherHealth(String target) {
        this.target = target;
    }

    boolean connected() {
        return connected;
    }

    Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    long published() {
        return published.get();
    }

    synchronized void published(int count) {
        published.addAndGet(count);
        reachable();
    }

    /** Kafka answered (an acknowledgement, or metadata for the topic). */
    synchronized void reachable() {
        if (outageStartNanos >= 0) {
            Duration outage = Duration.ofNanos(System.nanoTime() - outageStartNanos);
            LOG.log(Level.INFO, "publishing to {0} works again after {1} s", target, String.valueOf(outage.toSeconds()));
        }
        outageStartNanos = -1;
        connected = true;
        lastError = null;
    }

    synchronized void failed(String error, long backlog) {
        boolean firstOfOutage = outageStartNanos < 0;
        boolean changed = !error.equals(lastError);
        connected = false;
        lastError = error;
        if (firstOfOutage) {
            outageStartNanos = System.nanoTime();
            LOG.log(Level.WARNING, "cannot publish events to {0}: {1}. Retrying with back-off; events wait in the "
                    + "outbox ({2} now)", target, error, String.valueOf(backlog));
        } else if (changed) {
            LOG.log(Level.DEBUG, "still cannot publish events to {0}: {1}", target, error);
        }
    }
}
