package io.hydra.cluster.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.LeadershipListener;
import io.hydra.spi.cluster.Member;
import io.hydra.spi.cluster.MemberEvent;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.RecordEvent;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.cluster.VersionedValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The cluster's shared state on etcd: records changed by transactions on their modification revision, membership on
 * an externally kept lease ({@link EtcdMembership}), and the controller election ({@link EtcdCampaign}). Every call
 * waits at most the configured timeout and fails with UNREACHABLE rather than hang.
 */
public final class EtcdCoordinator implements Coordinator {
    private final EtcdSettings settings;
    private final Client client;
    private final Calls calls;
    private final Keys keys;
    private final Path stateDir;
    private final LeaseKeeper keepers;
    private final ScheduledExecutorService scheduler;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final List<PrefixWatch> watches = new CopyOnWriteArrayList<>();
    private volatile EtcdMembership membership;
    // whether the last connection check reached etcd (only the checker thread writes it)
    private boolean wasReachable = true;

    /**
     * @param settings  the plugin's checked settings
     * @param client    a jetcd client on {@code settings}' endpoints (closed with this coordinator)
     * @param calls     the deadlines of calls on {@code client} (its interceptor reads them too)
     * @param stateDir  where the node lease and its keeper are recorded, so a restarted daemon adopts them
     * @param keepers   starts and finds the external lease keepers
     */
    EtcdCoordinator(EtcdSettings settings, Client client, Calls calls, Path stateDir, LeaseKeeper keepers) {
        this.settings = settings;
        this.client = client;
        this.calls = calls;
        this.keys = new Keys(settings.prefix());
        this.stateDir = stateDir;
        this.keepers = keepers;
        AtomicInteger n = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "hydra-etcd-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1000, settings.timeout().toMillis());
        scheduler.scheduleWithFixedDelay(this::checkConnection, every, every, TimeUnit.MILLISECONDS);
    }

    /** After an outage, every watch re-lists: a change made meanwhile is never missed. */
    private void checkConnection() {
        if (watches.isEmpty()) {
            wasReachable = true;
            return;
        }
        boolean now = reachable(settings.timeout());
        if (now && !wasReachable) {
            watches.forEach(PrefixWatch::reconnected);
        }
        wasReachable = now;
    }

    @Override
    public synchronized Membership join(String nodeId, String record) {
        if (nodeId == null || nodeId.isEmpty() || nodeId.contains("/")) {
            throw new IllegalArgumentException("node id must be non-empty and hold no '/': '" + nodeId + "'");
        }
        if (membership != null && !membership.hasLeft()) {
            throw new IllegalStateException("this coordinator has already joined as " + membership.nodeId());
        }
        membership = EtcdMembership.join(client, calls, keys, settings.ttl(), stateDir, keepers, scheduler, nodeId,
                record);
        return membership;
    }

    @Override
    public List<Member> liveMembers() {
        return list(Keys.NODES).stream()
                .map(v -> new Member(v.key().substring(Keys.NODES.length()), v.value())).toList();
    }

    @Override
    public Subscription watchMembers(Consumer<MemberEvent> listener) {
        return trackWatch(PrefixWatch.start(client, calls, keys, Keys.NODES, true, change -> listener.accept(
                new MemberEvent(change.put() ? MemberEvent.Kind.JOINED : MemberEvent.Kind.LEFT,
                        change.key().substring(Keys.NODES.length()), change.value())), scheduler));
    }

    @Override
    public Subscription campaign(String candidate, LeadershipListener listener) {
        return track(new EtcdCampaign(client, calls, keys.absolute(Keys.LEADER), candidate, settings.ttl(), listener,
                scheduler));
    }

    @Override
    public Optional<String> leader() {
        try {
            return Optional.of(Keys.text(calls.await(Calls.Service.ELECTION, "read the controller",
                    client.getElectionClient().leader(keys.absolute(Keys.LEADER))).getKv().getValue()));
        } catch (CoordinatorException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof NoLeaderException) {
                    return Optional.empty();
                }
            }
            throw e;
        }
    }

    @Override
    public Optional<VersionedValue> get(String key) {
        return calls.await(Calls.Service.KV, "read " + key, client.getKVClient().get(keys.absolute(key))).getKvs().stream()
                .findFirst().map(this::value);
    }

    @Override
    public List<VersionedValue> list(String prefix) {
        return calls.await(Calls.Service.KV, "list " + prefix, client.getKVClient().get(keys.absolute(prefix),
                GetOption.builder().isPrefix(true).withSortField(GetOption.SortTarget.KEY)
                        .withSortOrder(GetOption.SortOrder.ASCEND).build()))
                .getKvs().stream().map(this::value).toList();
    }

    @Override
    public OptionalLong create(String key, String value) {
        return putIf(key, 0, value, "create ");
    }

    @Override
    public OptionalLong compareAndSet(String key, long expectedVersion, String value) {
        if (expectedVersion <= 0) {
            throw new IllegalArgumentException("expected version must be positive (a record's version): "
                    + expectedVersion);
        }
        return putIf(key, expectedVersion, value, "replace ");
    }

    @Override
    public boolean compareAndDelete(String key, long expectedVersion) {
        ByteSequence k = keys.absolute(key);
        TxnResponse r = calls.await(Calls.Service.KV, "delete " + key, client.getKVClient().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedVersion)))
                .Then(Op.delete(k, DeleteOption.DEFAULT)).commit());
        return r.isSucceeded() && expectedVersion > 0;
    }

    /** A put guarded by the key's modification revision (0: absent); the new version is the transaction's revision. */
    private OptionalLong putIf(String key, long modRevision, String value, String what) {
        ByteSequence k = keys.absolute(key);
        TxnResponse r = calls.await(Calls.Service.KV, what + key, client.getKVClient().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
                .Then(Op.put(k, Keys.bytes(value), PutOption.DEFAULT)).commit());
        return r.isSucceeded() ? OptionalLong.of(r.getHeader().getRevision()) : OptionalLong.empty();
    }

    @Override
    public Subscription watch(String prefix, Consumer<RecordEvent> listener) {
        return trackWatch(PrefixWatch.start(client, calls, keys, prefix, false, change -> listener.accept(
                new RecordEvent(change.put() ? RecordEvent.Kind.PUT : RecordEvent.Kind.DELETE, change.key(),
                        change.value(), change.revision())), scheduler));
    }

    @Override
    public boolean reachable(Duration timeout) {
        try {
            Calls.await("answer", client.getKVClient().get(keys.absolute(Keys.LEADER),
                    GetOption.builder().withCountOnly(true).build()), timeout);
            return true;
        } catch (CoordinatorException e) {
            return false;
        }
    }

    /**
     * Stops watches, campaigns and lease polling and closes the client, but neither revokes the node lease nor stops
     * its keeper: a daemon that stops (or crashes) leaves its node alive for the next daemon to adopt.
     */
    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing the rest matters more than one that failed
            }
        }
        EtcdMembership m = membership;
        if (m != null) {
            m.close();
        }
        scheduler.shutdownNow();
        client.close();
    }

    private <T extends Subscription> T track(T subscription) {
        open.add(subscription);
        return subscription;
    }

    private Subscription trackWatch(PrefixWatch watch) {
        watches.add(watch);
        return track(() -> {
            watches.remove(watch);
            watch.close();
        });
    }

    private VersionedValue value(KeyValue kv) {
        return new VersionedValue(keys.relative(kv.getKey()), Keys.text(kv.getValue()), kv.getModRevision());
    }
}
