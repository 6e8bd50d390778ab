package io.hydra.runtime.migration;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.Subscription;

/**
 * The source's wait, after it handed a container's ownership record to the target ({@code MIGRATING}), for the one
 * thing that settles the migration: the record itself. The target reports the container running there, or hands it
 * back; the controller may move it elsewhere or give it up. If the target's node is lost meanwhile, the source takes
 * the container back by compare-and-set (one epoch more, so the lost target's late report is refused and fencing
 * removes whatever it made).
 */
final class Handover {
    private static final Logger LOG = Logger.getLogger(Handover.class);
    /** A re-read between watch events, so a watch that misses a change (a coordinator restart) costs only this. */
    private static final Duration REREAD_EVERY = Duration.ofMillis(250);

    enum Outcome {
        /** The target runs it: the migration succeeded. */
        ON_TARGET,
        /** It is this node's again (handed back or taken back), running or being restored here. */
        BACK_HERE,
        /** The controller moved it to a third node. */
        ELSEWHERE,
        /** It runs nowhere (its record is LOST or gone). */
        LOST,
        /** The target still holds it, restoring, when the deadline passed. */
        TIMED_OUT
    }

    record Result(Outcome outcome, Optional<OwnershipRecord> record) {
    }

    private final Ownerships ownerships;
    private final String self;
    private final Predicate<String> nodeAlive;

    /** @param nodeAlive whether a node's lease is alive as far as this node knows (the member watch) */
    Handover(Ownerships ownerships, String self, Predicate<String> nodeAlive) {
        this.ownerships = ownerships;
        this.self = self;
        this.nodeAlive = nodeAlive;
    }

    Result await(String containerId, String target, long epoch, Duration deadline) {
        LinkedBlockingQueue<Object> wake = new LinkedBlockingQueue<>();
        Subscription watch = ownerships.watch(change -> {
            if (change.containerId().equals(containerId)) {
                wake.offer(change);
            }
        });
        try {
            long until = System.nanoTime() + deadline.toNanos();
            while (true) {
                Optional<Result> settled = look(containerId, target, epoch);
                if (settled.isPresent()) {
                    return settled.get();
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return new Result(Outcome.TIMED_OUT, read(containerId).map(Ownerships.Versioned::record));
                }
                wake.poll(Math.min(left, REREAD_EVERY.toNanos()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Outcome.TIMED_OUT, Optional.empty());
        } finally {
            watch.close();
        }
    }

    private Optional<Result> look(String containerId, String target, long epoch) {
        Optional<Ownerships.Versioned> current;
        try {
            current = ownerships.get(containerId);
        } catch (CoordinatorException e) {
            LOG.debugf("cannot read the ownership record of %s yet: %s", containerId, e.getMessage());
            return Optional.empty();
        }
        if (current.isEmpty()) {
            return Optional.of(new Result(Outcome.LOST, Optional.empty()));
        }
        OwnershipRecord r = current.get().record();
        if (r.state() == State.LOST) {
            return Optional.of(new Result(Outcome.LOST, Optional.of(r)));
        }
        if (r.node().equals(self)) {
            // handed back: done once it runs here again (the failover restorer restores it)
            return r.state() == State.RUNNING ? Optional.of(new Result(Outcome.BACK_HERE, Optional.of(r)))
                    : Optional.empty();
        }
        if (!r.node().equals(target)) {
            return Optional.of(new Result(Outcome.ELSEWHERE, Optional.of(r)));
        }
        if (r.state() == State.RUNNING && r.epoch() >= epoch) {
            return Optional.of(new Result(Outcome.ON_TARGET, Optional.of(r)));
        }
        if (r.state() == State.MIGRATING && !nodeAlive.test(target)) {
            OwnershipRecord back = r.handedBack("node " + target + " was lost while it restored the container",
                    Instant.now());
            if (ownerships.replace(current.get(), back).isPresent()) {
                LOG.warnf("node %s was lost during the migration of %s: taken back, epoch %d", target, r.name(),
                        back.epoch());
            }
        }
        return Optional.empty();
    }

    private Optional<Ownerships.Versioned> read(String containerId) {
        try {
            return ownerships.get(containerId);
        } catch (CoordinatorException e) {
            return Optional.empty();
        }
    }
}
