package io.hydra.cluster.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.LeadershipListener;
import io.hydra.spi.cluster.Subscription;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A campaign for the controller role through etcd's election API, on a lease of this daemon process's own (kept
 * alive by jetcd in-process), never the node's external lease: when this process dies, or cannot renew for a TTL,
 * its candidacy ends with it. After losing the role (or the lease) it campaigns again with a new lease.
 */
final class EtcdCampaign implements Subscription {
    private static final Logger LOG = Logger.getLogger(EtcdCampaign.class.getName());
    private static final long RETRY_MS = 500;

    private final Client client;
    private final Calls calls;
    private final ByteSequence election;
    private final ByteSequence candidate;
    private final Duration ttl;
    private final LeadershipListener listener;
    private final ScheduledExecutorService scheduler;
    private final ScheduledFuture<?> monitor;
    // the listener is told on one thread, in the order the changes happened (queued under the lock)
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hydra-etcd-leadership");
        t.setDaemon(true);
        return t;
    });

    // guarded by this
    private boolean closed;
    private boolean elected;
    private long leaseId;
    private int round;
    private CloseableClient keepAlive;
    private CompletableFuture<?> pending;
    // the last renewal etcd confirmed, System.nanoTime()
    private volatile long renewedAt;

    EtcdCampaign(Client client, Calls calls, ByteSequence election, String candidate, Duration ttl,
                 LeadershipListener listener, ScheduledExecutorService scheduler) {
        this.client = client;
        this.calls = calls;
        this.election = election;
        this.candidate = Keys.bytes(candidate);
        this.ttl = ttl;
        this.listener = listener;
        this.scheduler = scheduler;
        long every = Math.max(100, ttl.toMillis() / 6);
        this.monitor = scheduler.scheduleWithFixedDelay(this::checkRenewal, every, every, TimeUnit.MILLISECONDS);
        scheduler.execute(this::enter);
    }

    /** Takes a lease and campaigns on it; the campaign call returns only once this candidate is the leader. */
    private void enter() {
        int mine;
        long lease;
        synchronized (this) {
            if (closed) {
                return;
            }
            mine = ++round;
            try {
                lease = calls.await(Calls.Service.LEASE, "grant a lease", client.getLeaseClient().grant(ttl.toSeconds())).getID();
            } catch (CoordinatorException e) {
                scheduler.schedule(this::enter, RETRY_MS, TimeUnit.MILLISECONDS);
                return;
            }
            leaseId = lease;
            renewedAt = System.nanoTime();
            keepAlive = client.getLeaseClient().keepAlive(lease, new Renewals(mine));
            pending = client.getElectionClient().campaign(election, lease, candidate);
            pending.whenComplete((ok, error) -> onCampaignEnded(mine, error));
        }
    }

    private synchronized void onCampaignEnded(int from, Throwable error) {
        if (closed || from != round) {
            return;
        }
        if (error != null) {
            LOG.log(Level.FINE, "campaign failed; trying again", error);
            abandon();
            scheduler.schedule(this::enter, RETRY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        elected = true;
        notifier.execute(listener::elected);
    }

    /** Renewals of the campaign's lease: each confirms it; the end of the stream means the lease is gone. */
    private final class Renewals implements StreamObserver<LeaseKeepAliveResponse> {
        private final int from;

        Renewals(int from) {
            this.from = from;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse response) {
            if (response.getTTL() > 0) {
                renewedAt = System.nanoTime();
            } else {
                lose(from, "its lease expired");
            }
        }

        @Override
        public void onError(Throwable t) {
            lose(from, "its lease could not be kept alive: " + t.getMessage());
        }

        @Override
        public void onCompleted() {
            lose(from, "its lease ended");
        }
    }

    /** Past a TTL without a confirmed renewal, etcd may already have let the lease go: the role is lost. */
    private void checkRenewal() {
        int current;
        synchronized (this) {
            current = round;
        }
        if (System.nanoTime() - renewedAt > ttl.toNanos()) {
            lose(current, "no renewal was confirmed for " + ttl.toMillis() + " ms");
        }
    }

    private synchronized void lose(int from, String why) {
        if (closed || from != round || leaseId == 0) {
            return;
        }
        boolean wasElected = elected;
        LOG.info("controller campaign lost: " + why);
        abandon();
        scheduler.schedule(this::enter, RETRY_MS, TimeUnit.MILLISECONDS);
        if (wasElected) {
            notifier.execute(listener::revoked);
        }
    }

    // guarded by this: drops the round's lease (so etcd removes the candidate key) without waiting for etcd
    private void abandon() {
        round++;
        elected = false;
        if (keepAlive != null) {
            keepAlive.close();
            keepAlive = null;
        }
        if (pending != null) {
            pending.cancel(true);
            pending = null;
        }
        if (leaseId != 0) {
            long lease = leaseId;
            leaseId = 0;
            client.getLeaseClient().revoke(lease).whenComplete((r, e) -> {
                if (e != null) {
                    LOG.log(Level.FINE, "revoke of campaign lease failed; it expires within its TTL", e);
                }
            });
        }
    }

    @Override
    public void close() {
        boolean wasElected;
        long lease;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            monitor.cancel(false);
            wasElected = elected;
            lease = leaseId;
            elected = false;
            if (keepAlive != null) {
                keepAlive.close();
            }
            if (pending != null) {
                pending.cancel(true);
            }
            leaseId = 0;
        }
        if (lease != 0) {
            try {
                // revoking removes the candidate key at once, so the next candidate is elected without a TTL's wait
                calls.await(Calls.Service.LEASE, "revoke the campaign lease", client.getLeaseClient().revoke(lease));
            } catch (CoordinatorException e) {
                LOG.log(Level.FINE, "revoke of campaign lease failed; it expires within its TTL", e);
            }
        }
        if (wasElected) {
            notifier.execute(listener::revoked);
        }
        notifier.shutdown();
        try {
            // the caller learns of the end of its role before close returns
            notifier.awaitTermination(calls.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
