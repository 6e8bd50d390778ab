package io.hydra.runtime.cluster;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.Subscription;

/**
 * Runs a job for each ownership record that asks this node to act (a failover or a migration bound to it),
 * level-triggered: a watch for changes, and a rescan at start and every so often, so a daemon SIGKILLed mid-job
 * finds the record again when it is back and the job picks up where the record says. At most one job per container
 * at a time; a job that fails with the coordinator unreachable is left to the next rescan.
 */
public final class OwnershipWorkers implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OwnershipWorkers.class);

    private final Ownerships ownerships;
    private final Predicate<Ownerships.Versioned> mine;
    private final Consumer<String> job;
    private final String what;
    private final Duration rescanEvery;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final ExecutorService workers;
    private final ScheduledExecutorService rescans;
    private volatile Subscription watch;

    /**
     * @param what    the job as the logs name it ("restore", "migration restore"), and its threads' name
     * @param threads jobs that run side by side
     */
    public OwnershipWorkers(Ownerships ownerships, Predicate<Ownerships.Versioned> mine, Consumer<String> job,
                            String what, int threads, Duration rescanEvery) {
        this.ownerships = ownerships;
        this.mine = mine;
        this.job = job;
        this.what = what;
        this.rescanEvery = rescanEvery;
        String name = "hydra-" + what.replace(' ', '-');
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.rescans = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name + "-rescan");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        watch = ownerships.watch(change -> {
            try {
                change.current().filter(mine).ifPresent(v -> submit(v.record().containerId()));
            } catch (RuntimeException e) {
                // an unreadable record is logged, not thrown into the plugin's watch thread
                LOG.errorf("cannot act on the change of ownership record %s: %s", change.containerId(),
                        e.getMessage());
            }
        });
        rescans.scheduleWithFixedDelay(this::rescan, 0, rescanEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        Subscription w = watch;
        if (w != null) {
            w.close();
        }
        rescans.shutdownNow();
        workers.shutdown();
        try {
            // a job in flight finishes (or the next start finds its record and finishes it)
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }

    private void rescan() {
        try {
            ownerships.all().stream().filter(mine).forEach(v -> submit(v.record().containerId()));
        } catch (CoordinatorException e) {
            LOG.debugf("cannot look for records to %s: %s", what, e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "looking for records to %s failed", what);
        }
    }

    private void submit(String containerId) {
        if (!inFlight.add(containerId)) {
            return;
        }
        try {
            workers.execute(() -> {
                try {
                    job.accept(containerId);
                } catch (CoordinatorException e) {
                    // the rescan tries again; the record says what is still to do
                    LOG.warnf("%s of %s interrupted, the coordinator failed: %s", what, containerId, e.getMessage());
                } catch (RuntimeException e) {
                    LOG.errorf(e, "%s of %s failed", what, containerId);
                } finally {
                    inFlight.remove(containerId);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            inFlight.remove(containerId);
        }
    }
}
