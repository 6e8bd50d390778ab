package io.hydra.events.kafka;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.hydra.events.HydraEvent;
import io.hydra.events.outbox.Outbox;

/**
 * Drains the daemon's {@link Outbox} into a Kafka topic, at least once and in order: one thread takes the oldest
 * unpublished events, sends them, waits until Kafka acknowledged every one ({@code acks=all}, idempotent producer),
 * and only then marks them published. On any failure (broker down, unknown topic, timeout) it logs once per outage,
 * backs off (bounded, exponential) and starts again from the first unacknowledged event: a container's events keep
 * their order and none is skipped; an event may be delivered twice (consumers drop duplicates by CloudEvents id).
 *
 * <p>The daemon never waits for Kafka: {@link #start} only checks the settings and starts the thread, whether or not
 * a broker answers; the outbox keeps the events meanwhile, and {@link #backlog()}, {@link #lastError()},
 * {@link #connected()} and {@link #publishedCount()} say how it goes.
 *
 * <p>Why the plain kafka-clients producer and not SmallRye Reactive Messaging, which the daemon's Quarkus offers: an
 * outbox may mark an event published only after that event's own acknowledgement, and must retry from exactly the
 * first unacknowledged one. Reactive Messaging acknowledges to its own upstream, buffers and retries on its own terms,
 * and ties the publisher to a CDI container; this module stays framework-free so that the same classes serve the
 * daemon, automations and tests.
 */
public final class KafkaEventPublisher implements AutoCloseable {
    private static final Logger LOG = System.getLogger(KafkaEventPublisher.class.getName());
    /** Events per send-and-wait round: big enough to amortize the ack wait, small enough to retry cheaply. */
    static final int BATCH_SIZE = 256;
    /** How long the idle thread waits for the outbox before looking again. */
    private static final Duration IDLE_WAIT = Duration.ofSeconds(1);
    /** See {@link #awaitNewEvents()}. */
    private static final Duration STALE_WAKE_POLL = Duration.ofMillis(200);
    /** On close, how long an in-progress batch may take to be acknowledged and marked, sparing a duplicate. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final Outbox outbox;
    private final PublisherSettings settings;
    private final PublisherHealth health;
    private final Thread thread;
    private volatile boolean closing;
    /** True while the thread waits (idle, probing or backing off), the only times close() interrupts it at once. */
    private volatile boolean waiting;
    /** Highest outbox sequence this publisher has seen; awaitEventAfter wakes us for anything newer. */
    private long highestSeen;
    private int consecutiveFailures;
    /** The producer, created by the publishing thread and replaced after failures that leave it unusable. */
    private BatchSender sender;

    private KafkaEventPublisher(Outbox outbox, PublisherSettings settings) {
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.health = new PublisherHealth("Kafka topic '" + settings.topic() + "' at " + settings.bootstrapServers());
        this.thread = new Thread(this::run, "hydra-events-publisher");
        this.thread.setDaemon(true);
    }

    /**
     * Starts publishing. Never blocks on Kafka and never fails because Kafka is unreachable; the settings were
     * checked when they were built.
     */
    public static KafkaEventPublisher start(Outbox outbox, PublisherSettings settings) {
        KafkaEventPublisher publisher = new KafkaEventPublisher(outbox, settings);
        publisher.thread.start();
        return publisher;
    }

    public PublisherSettings settings() {
        return settings;
    }

    /** Events waiting in the outbox (asks the outbox). */
    public long backlog() {
        return outbox.backlog();
    }

    /** Why publishing does not work right now, empty while it does. */
    public Optional<String> lastError() {
        return health.lastError();
    }

    /**
     * True when the last contact with Kafka succeeded (an acknowledged batch, or topic metadata while idle); false
     * before the first contact and during an outage. An idle publisher notices a broker loss with its next event.
     */
    public boolean connected() {
        return health.connected();
    }

    /** Events acknowledged by Kafka and marked published since this publisher started. */
    public long publishedCount() {
        return health.published();
    }

    private void run() {
        try (FailureDiagnosis diagnosis = new FailureDiagnosis(settings)) {
            while (!closing) {
                try {
                    round(diagnosis);
                } catch (InterruptedException e) {
                    if (!closing) {
                        // Not from close(): nothing asked us to stop, so keep publishing.
                        LOG.log(Level.DEBUG, "publisher thread interrupted, continuing");
                    }
                }
            }
        } finally {
            discardSender();
        }
    }

    /** One step: publish a batch, or wait for events, or on failure explain it and back off. */
    private void round(FailureDiagnosis diagnosis) throws InterruptedException {
        try {
            if (sender == null) {
                sender = new BatchSender(settings);
            }
            List<HydraEvent> batch = outbox.unpublished(BATCH_SIZE);
            if (batch.isEmpty()) {
                idle();
            } else {
                publish(batch);
                consecutiveFailures = 0;
            }
        } catch (BatchFailedException e) {
            if (e.producerUnusable()) {
                discardSender();
            }
            failed(diagnosis.explain(e.getCause()));
        } catch (RuntimeException e) {
            // The outbox (SQLite) or the producer failed unexpectedly: same treatment, nothing is lost.
            failed("publishing failed: " + FailureDiagnosis.describe(e));
        }
    }

    private void discardSender() {
        if (sender != null) {
            sender.close();
            sender = null;
        }
    }

    /**
     * Sends one batch and marks what Kafka acknowledged. On failure only the acknowledged head of the batch is
     * marked; the next round reads the outbox again and so starts from the first unacknowledged event.
     */
    private void publish(List<HydraEvent> batch) throws InterruptedException, BatchFailedException {
        highestSeen = Math.max(highestSeen, batch.get(batch.size() - 1).sequence());
        try {
            sender.send(batch);
        } catch (BatchFailedException e) {
            markPublished(batch.subList(0, e.acknowledged()));
            throw e;
        }
        markPublished(batch);
    }

    /** Nothing to send: learn whether Kafka answers if we do not know yet, then wait for the outbox. */
    private void idle() throws InterruptedException, BatchFailedException {
        if (!health.connected()) {
            // Nothing is in flight during a probe: close() may interrupt it at once.
            waiting = true;
            try {
                sender.probe();
            } finally {
                waiting = false;
            }
            health.reachable();
            consecutiveFailures = 0;
        }
        awaitNewEvents();
    }

    private void markPublished(List<HydraEvent> events) {
        if (!events.isEmpty()) {
            outbox.markPublished(events.stream().map(HydraEvent::sequence).toList());
            health.published(events.size());
        }
    }

    private void failed(String error) throws InterruptedException {
        consecutiveFailures++;
        long backlog;
        try {
            backlog = outbox.backlog();
        } catch (RuntimeException e) {
            backlog = -1;
        }
        health.failed(error, backlog);
        waiting = true;
        try {
            if (!closing) {
                Thread.sleep(settings.backoff().delayAfter(consecutiveFailures).toMillis());
            }
        } finally {
            waiting = false;
        }
    }

    /**
     * Waits for the outbox to receive an event newer than any this publisher has seen. When the outbox already holds
     * newer events that an earlier run published, awaitEventAfter returns at once and tells us nothing; until we see
     * a new event we then look at a modest rate instead of spinning.
     */
    private void awaitNewEvents() throws InterruptedException {
        if (closing) {
            return;
        }
        waiting = true;
        try {
            long start = System.nanoTime();
            outbox.awaitEventAfter(highestSeen, IDLE_WAIT.toMillis());
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            if (waitedMillis < STALE_WAKE_POLL.toMillis() && !closing && outbox.backlog() == 0) {
                Thread.sleep(STALE_WAKE_POLL.toMillis() - waitedMillis);
            }
        } finally {
            waiting = false;
        }
    }

    /**
     * Stops publishing. A batch in progress gets a few seconds to be acknowledged and marked; what is not marked
     * stays in the outbox for the next start (and may then reach Kafka twice).
     */
    @Override
    public void close() {
        closing = true;
        if (waiting) {
            thread.interrupt();
        }
        try {
            thread.join(CLOSE_GRACE.toMillis());
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(CLOSE_GRACE.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
