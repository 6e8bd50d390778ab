package io.hydra.cluster.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.CoordinatorException.Kind;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.monitor.ProcessIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This node's membership: the key {@code nodes/<id>} on a lease that an external keeper ({@link LeaseKeeper}) keeps
 * alive. The daemon only watches: it polls the lease's remaining time (for {@link #liveUntil()}) and replaces the
 * keeper if it dies while the lease is live. Closing it (daemon shutdown or crash) leaves lease and keeper running.
 */
final class EtcdMembership implements Membership {
    private static final Logger LOG = Logger.getLogger(EtcdMembership.class.getName());

    private final Client client;
    private final Calls calls;
    private final Keys keys;
    private final Duration ttl;
    private final Path stateDir;
    private final LeaseKeeper keepers;
    private final String nodeId;
    private final boolean rejoined;
    private final ScheduledFuture<?> poller;
    private final ScheduledFuture<?> keeperWatch;

    // guarded by this
    private long leaseId;
    private ProcessIdentity keeper;
    private boolean left;
    // written by the poller, read by fencing
    private volatile Instant liveUntil;
    private volatile boolean expired;

    private EtcdMembership(Client client, Calls calls, Keys keys, Duration ttl, Path stateDir, LeaseKeeper keepers,
                           String nodeId, boolean rejoined, Lease lease, ScheduledExecutorService scheduler) {
        this.client = client;
        this.calls = calls;
        this.keys = keys;
        this.ttl = ttl;
        this.stateDir = stateDir;
        this.keepers = keepers;
        this.nodeId = nodeId;
        this.rejoined = rejoined;
        this.leaseId = lease.id;
        this.keeper = lease.keeper;
        this.liveUntil = lease.liveUntil;
        long pollMillis = Math.max(100, ttl.toMillis() / 6);
        long watchMillis = Math.max(200, ttl.toMillis() / 3);
        this.poller = scheduler.scheduleWithFixedDelay(this::poll, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
        this.keeperWatch = scheduler.scheduleWithFixedDelay(this::watchKeeper, watchMillis, watchMillis,
                TimeUnit.MILLISECONDS);
    }

    /** A lease, its keeper and until when it is certainly live. */
    private record Lease(long id, ProcessIdentity keeper, Instant liveUntil) {
    }

    static EtcdMembership join(Client client, Calls calls, Keys keys, Duration ttl, Path stateDir, LeaseKeeper keepers,
                               ScheduledExecutorService scheduler, String nodeId, String record) {
        ByteSequence key = keys.node(nodeId);
        Optional<KeyValue> current = calls.await(Calls.Service.KV, "read " + Keys.text(key), client.getKVClient().get(key))
                .getKvs().stream().findFirst();
        Optional<KeeperState> persisted;
        try {
            persisted = KeeperState.read(stateDir);
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
            throw new CoordinatorException(Kind.FAILED, e.getMessage(), e);
        }
        if (persisted.isPresent()) {
            long old = persisted.get().leaseId();
            Instant sent = Instant.now();
            long remaining = calls.await(Calls.Service.LEASE, "read the time to live of lease " + Long.toHexString(old),
                    client.getLeaseClient().timeToLive(old, LeaseOption.DEFAULT)).getTTL();
            boolean keyOurs = current.isEmpty() || current.get().getLease() == old;
            if (remaining >= 0 && keyOurs) { // 0: under a second left, but live (etcd rounds down)
                ProcessIdentity keeper = keepers.find(old, persisted.get().keeper())
                        .orElseGet(() -> keepers.start(old));
                new KeeperState(old, Optional.of(keeper)).write(stateDir);
                long expected = current.map(KeyValue::getModRevision).orElse(0L);
                putIfUnchanged(client, calls, key, expected, record, old, nodeId);
                Lease lease = new Lease(old, keeper, sent.plusSeconds(remaining));
                return new EtcdMembership(client, calls, keys, ttl, stateDir, keepers, nodeId, false, lease,
                        scheduler);
            }
        }
        current.ifPresent(kv -> {
            throw taken(nodeId, kv.getLease());
        });
        Lease lease = newLease(client, calls, keys, ttl, stateDir, keepers, nodeId, record);
        return new EtcdMembership(client, calls, keys, ttl, stateDir, keepers, nodeId, persisted.isPresent(), lease,
                scheduler);
    }

    /**
     * Grants a lease, starts its keeper and puts the node key on it, recording the lease before the keeper starts
     * and the keeper once it runs, so a daemon killed at any step finds what it left and adopts it.
     */
    private static Lease newLease(Client client, Calls calls, Keys keys, Duration ttl, Path stateDir,
                                  LeaseKeeper keepers, String nodeId, String record) {
        Instant sent = Instant.now();
        long id = calls.await(Calls.Service.LEASE, "grant a lease", client.getLeaseClient().grant(ttl.toSeconds())).getID();
        new KeeperState(id, Optional.empty()).write(stateDir);
        ProcessIdentity keeper;
        try {
            keeper = keepers.start(id);
            new KeeperState(id, Optional.of(keeper)).write(stateDir);
            putIfUnchanged(client, calls, keys.node(nodeId), 0, record, id, nodeId);
        } catch (RuntimeException e) {
            revokeQuietly(client, calls, id);
            keepers.find(id, Optional.empty()).ifPresent(k -> keepers.stop(k, id));
            KeeperState.delete(stateDir);
            throw e;
        }
        return new Lease(id, keeper, sent.plusSeconds(ttl.toSeconds()));
    }

    /** Puts the node key on the lease if it is still as it was read (absent: revision 0): no race takes an id twice. */
    private static void putIfUnchanged(Client client, Calls calls, ByteSequence key, long modRevision, String record,
                                       long leaseId, String nodeId) {
        TxnResponse r = calls.await(Calls.Service.KV, "write " + Keys.text(key), client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
                .Then(Op.put(key, Keys.bytes(record), PutOption.builder().withLeaseId(leaseId).build()))
                .Else(Op.get(key, io.etcd.jetcd.options.GetOption.DEFAULT))
                .commit());
        if (!r.isSucceeded()) {
            long holder = r.getGetResponses().stream().flatMap(g -> g.getKvs().stream()).findFirst()
                    .map(KeyValue::getLease).orElse(0L);
            throw taken(nodeId, holder);
        }
    }

    private static CoordinatorException taken(String nodeId, long holderLease) {
        return new CoordinatorException(Kind.NODE_ID_TAKEN, "node id " + nodeId + " is held by a live daemon (etcd"
                + " lease " + Long.toHexString(holderLease) + "): give this daemon another node id, or stop the"
                + " other one; if that daemon's state directory was lost, revoke the lease with 'etcdctl lease revoke "
                + Long.toHexString(holderLease) + "'");
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public boolean rejoined() {
        return rejoined;
    }

    @Override
    public synchronized void update(String record) {
        requireJoined();
        ByteSequence key = keys.node(nodeId);
        try {
            calls.await(Calls.Service.KV, "write " + Keys.text(key), client.getKVClient().put(key, Keys.bytes(record),
                    PutOption.builder().withLeaseId(leaseId).build()));
        } catch (CoordinatorException e) {
            if (e.kind() == Kind.FAILED && String.valueOf(e.getMessage()).contains("lease not found")) {
                expired = true;
            }
            throw e;
        }
    }

    @Override
    public Instant liveUntil() {
        return liveUntil;
    }

    @Override
    public boolean expired() {
        return expired;
    }

    @Override
    public synchronized void rejoin(String record) {
        requireJoined();
        if (!expired) {
            throw new IllegalStateException("node " + nodeId + " still holds lease " + Long.toHexString(leaseId)
                    + ": rejoin only after it expired");
        }
        ByteSequence key = keys.node(nodeId);
        calls.await(Calls.Service.KV, "read " + Keys.text(key), client.getKVClient().get(key)).getKvs().stream().findFirst()
                .ifPresent(kv -> {
                    throw taken(nodeId, kv.getLease());
                });
        Lease lease = newLease(client, calls, keys, ttl, stateDir, keepers, nodeId, record);
        ProcessIdentity old = keeper;
        long oldLease = leaseId;
        leaseId = lease.id;
        keeper = lease.keeper;
        liveUntil = lease.liveUntil;
        expired = false;
        keepers.stop(old, oldLease);
    }

    @Override
    public synchronized void leave() {
        if (left) {
            return;
        }
        calls.await(Calls.Service.LEASE, "revoke lease " + Long.toHexString(leaseId), client.getLeaseClient().revoke(leaseId));
        stopWatching();
        left = true;
        expired = true;
        keepers.stop(keeper, leaseId);
        KeeperState.delete(stateDir);
    }

    /** The daemon stops or dies: stop watching, but leave the lease and its keeper alive (the node stays). */
    void close() {
        stopWatching();
    }

    synchronized boolean hasLeft() {
        return left;
    }

    synchronized ProcessIdentity keeper() {
        return keeper;
    }

    synchronized long leaseId() {
        return leaseId;
    }

    private void stopWatching() {
        poller.cancel(false);
        keeperWatch.cancel(false);
    }

    private void requireJoined() {
        if (left) {
            throw new IllegalStateException("node " + nodeId + " has left the cluster");
        }
    }

    /**
     * Moves liveUntil to (when the question was sent) + (the whole seconds etcd says remain): never past what etcd
     * promised, and never at all while etcd does not answer.
     */
    private void poll() {
        long id;
        synchronized (this) {
            id = leaseId;
        }
        Instant sent = Instant.now();
        try {
            long remaining = calls.await(Calls.Service.LEASE, "read the time to live of lease " + Long.toHexString(id),
                    client.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT)).getTTL();
            synchronized (this) {
                if (id != leaseId) {
                    return;
                }
                // etcd rounds down: 0 is a lease with less than a second left, still live; -1 is a lease gone
                if (remaining >= 0) {
                    Instant until = sent.plusSeconds(remaining);
                    if (until.isAfter(liveUntil)) {
                        liveUntil = until;
                    }
                } else {
                    expired = true;
                }
            }
        } catch (CoordinatorException e) {
            LOG.log(Level.FINE, "lease poll failed", e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "lease poll failed", e);
        }
    }

    /** Replaces a dead keeper while the lease is live; after expiry there is nothing left to keep. */
    private void watchKeeper() {
        try {
            synchronized (this) {
                if (left || expired || keeper.isAlive()) {
                    return;
                }
                LOG.warning("the keeper of lease " + Long.toHexString(leaseId) + " (pid " + keeper.pid()
                        + ") is gone: starting another");
                renewOnce();
                keeper = keepers.find(leaseId, Optional.empty()).orElseGet(() -> keepers.start(leaseId));
                new KeeperState(leaseId, Optional.of(keeper)).write(stateDir);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot replace the lease keeper", e);
        }
    }

    /** Renews the lease once from here: the new keeper's first renewal may come too late for a short TTL. */
    private void renewOnce() {
        try {
            calls.await(Calls.Service.LEASE, "renew lease " + Long.toHexString(leaseId),
                    client.getLeaseClient().keepAliveOnce(leaseId));
        } catch (CoordinatorException e) {
            LOG.log(Level.FINE, "a bridging renewal failed; the new keeper renews", e);
        }
    }

    private static void revokeQuietly(Client client, Calls calls, long id) {
        try {
            calls.await(Calls.Service.LEASE, "revoke lease " + Long.toHexString(id), client.getLeaseClient().revoke(id));
        } catch (CoordinatorException e) {
            LOG.log(Level.FINE, "revoke of an unused lease failed; it expires by itself", e);
        }
    }
}
