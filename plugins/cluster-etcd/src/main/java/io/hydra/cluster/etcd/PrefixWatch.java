package io.hydra.cluster.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.Subscription;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every change under a prefix, in order, exactly once. It lists the prefix, then watches from the revision after
 * the list. jetcd resumes a watch by itself after a dropped connection (from the revision after the last one seen,
 * so nothing is missed or repeated); when it gives up instead (the revision was compacted during an outage, or etcd
 * refused the watch), or when etcd answers again after an outage ({@link #reconnected()}), this re-lists and
 * reports the difference from what it last reported, then watches again.
 */
final class PrefixWatch implements Subscription {
    private static final Logger LOG = Logger.getLogger(PrefixWatch.class.getName());
    private static final long RESYNC_DELAY_MS = 500;

    /** One change, with the key relative to the plugin's prefix. */
    record Change(boolean put, String key, String value, long revision) {
    }

    private final Client client;
    private final Calls calls;
    private final Keys keys;
    private final ByteSequence prefix;
    private final Consumer<Change> sink;
    private final ScheduledExecutorService scheduler;

    // guarded by this: the key → mod revision of everything last reported live, and the watch feeding it
    private final Map<String, Long> known = new HashMap<>();
    private Watch.Watcher watcher;
    private int generation;
    private boolean closed;

    private PrefixWatch(Client client, Calls calls, Keys keys, String relativePrefix, Consumer<Change> sink,
                        ScheduledExecutorService scheduler) {
        this.client = client;
        this.calls = calls;
        this.keys = keys;
        this.prefix = keys.absolute(relativePrefix);
        this.sink = sink;
        this.scheduler = scheduler;
    }

    /**
     * Starts watching; with {@code reportCurrent} the records there now are reported first, as puts.
     *
     * @throws CoordinatorException when etcd cannot be reached for the first list
     */
    static PrefixWatch start(Client client, Calls calls, Keys keys, String relativePrefix, boolean reportCurrent,
                             Consumer<Change> sink, ScheduledExecutorService scheduler) {
        PrefixWatch w = new PrefixWatch(client, calls, keys, relativePrefix, sink, scheduler);
        synchronized (w) {
            GetResponse list = w.list();
            for (KeyValue kv : list.getKvs()) {
                String key = keys.relative(kv.getKey());
                w.known.put(key, kv.getModRevision());
                if (reportCurrent) {
                    w.deliver(new Change(true, key, Keys.text(kv.getValue()), kv.getModRevision()));
                }
            }
            w.watchFrom(list.getHeader().getRevision() + 1);
        }
        return w;
    }

    @Override
    public synchronized void close() {
        closed = true;
        generation++;
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    private GetResponse list() {
        return calls.await(Calls.Service.KV, "list " + Keys.text(prefix), client.getKVClient().get(prefix,
                GetOption.builder().isPrefix(true).withSortField(GetOption.SortTarget.KEY)
                        .withSortOrder(GetOption.SortOrder.ASCEND).build()));
    }

    // guarded by this
    private void watchFrom(long revision) {
        int mine = ++generation;
        WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision).build();
        watcher = client.getWatchClient().watch(prefix, option, Watch.listener(
                response -> onEvents(mine, response),
                error -> onFailure(mine, error),
                () -> onFailure(mine, new IllegalStateException("the watch ended"))));
    }

    private synchronized void onEvents(int from, WatchResponse response) {
        if (closed || from != generation) {
            return;
        }
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            String key = keys.relative(kv.getKey());
            switch (event.getEventType()) {
                case PUT -> {
                    known.put(key, kv.getModRevision());
                    deliver(new Change(true, key, Keys.text(kv.getValue()), kv.getModRevision()));
                }
                case DELETE -> {
                    if (known.remove(key) != null) {
                        deliver(new Change(false, key, "", kv.getModRevision()));
                    }
                }
                default -> LOG.fine("ignored watch event " + event.getEventType());
            }
        }
    }

    private synchronized void onFailure(int from, Throwable error) {
        if (closed || from != generation) {
            return;
        }
        LOG.log(Level.INFO, "watch of " + Keys.text(prefix) + " failed; re-listing", error);
        generation++;
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        scheduler.schedule(this::resync, RESYNC_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * etcd answers again after not answering: jetcd may or may not have resumed this watch by itself (after an etcd
     * restart it was seen not to), so drop it and re-list; what the old watch already reported is not repeated.
     */
    synchronized void reconnected() {
        if (closed) {
            return;
        }
        generation++;
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        scheduler.execute(this::resync);
    }

    /** Lists again and reports what changed since the last report: deletions first, then puts, in key order. */
    private void resync() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        GetResponse list;
        try {
            list = list();
        } catch (CoordinatorException e) {
            scheduler.schedule(this::resync, RESYNC_DELAY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            long revision = list.getHeader().getRevision();
            Map<String, KeyValue> now = new TreeMap<>();
            for (KeyValue kv : list.getKvs()) {
                now.put(keys.relative(kv.getKey()), kv);
            }
            for (String gone : new TreeMap<>(known).keySet()) {
                if (!now.containsKey(gone)) {
                    known.remove(gone);
                    deliver(new Change(false, gone, "", revision));
                }
            }
            now.forEach((key, kv) -> {
                Long before = known.put(key, kv.getModRevision());
                if (before == null || before != kv.getModRevision()) {
                    deliver(new Change(true, key, Keys.text(kv.getValue()), kv.getModRevision()));
                }
            });
            watchFrom(revision + 1);
        }
    }

    private void deliver(Change change) {
        try {
            sink.accept(change);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a watch listener failed on " + change, e);
        }
    }
}
