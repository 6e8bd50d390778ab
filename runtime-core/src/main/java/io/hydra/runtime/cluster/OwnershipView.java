package io.hydra.runtime.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.RecordEvent;
import io.hydra.spi.cluster.Subscription;

/**
 * The ownership records that concern this node (those naming it, and those of containers it has a copy of), kept
 * from a watch on {@code owners/} so that the periodic ownership pass reads memory, not the coordinator: at rest a
 * node sends nothing. A full listing at start and every {@link #RESYNC_PASSES} passes heals whatever a watch could
 * miss. Changes are applied by version, so a listing and the watch may overlap in any order.
 */
public final class OwnershipView implements AutoCloseable {
    /**
     * How many passes between full listings (about five minutes): the coordinator's watch re-lists by itself when
     * it reconnects, so this only bounds what a lost event could cost; a listing is the whole cluster's records.
     */
    static final int RESYNC_PASSES = 150;
    private static final Logger LOG = Logger.getLogger(OwnershipView.class);

    private final Coordinator coordinator;
    private final Ownerships ownerships;
    private final String self;
    private final Predicate<String> hasLocalCopy;
    private final Map<String, Ownerships.Versioned> records = new HashMap<>();
    /** The revision each record was deleted at, so an older listing does not bring it back. */
    private final Map<String, Long> deletedAt = new HashMap<>();
    private Subscription watch;
    private int passesSinceListing;

    public OwnershipView(Coordinator coordinator, Ownerships ownerships, String self, Predicate<String> hasLocalCopy) {
        this.coordinator = coordinator;
        this.ownerships = ownerships;
        this.self = self;
        this.hasLocalCopy = hasLocalCopy;
    }

    /** Watches first, then lists: nothing written between the two is missed. */
    public void start() {
        watch = coordinator.watch(Ownerships.PREFIX, this::apply);
        relist();
    }

    /** The records as known now; listed afresh every {@link #RESYNC_PASSES} calls. */
    public Map<String, Ownerships.Versioned> forPass() {
        synchronized (this) {
            passesSinceListing++;
        }
        if (passesSinceListing >= RESYNC_PASSES) {
            relist();
        }
        synchronized (this) {
            return Map.copyOf(records);
        }
    }

    public void relist() {
        var all = ownerships.all();
        synchronized (this) {
            passesSinceListing = 0;
            for (Ownerships.Versioned v : all) {
                put(v);
            }
            var listed = new java.util.HashSet<String>();
            all.forEach(v -> listed.add(v.record().containerId()));
            // gone from the listing and not written since it was taken: deleted while no watch event said so
            long newest = all.stream().mapToLong(Ownerships.Versioned::version).max().orElse(0);
            records.values().removeIf(v -> !listed.contains(v.record().containerId()) && v.version() <= newest);
            deletedAt.values().removeIf(revision -> revision <= newest);
        }
    }

    /** One record read from the coordinator now (before an irreversible step). */
    public Optional<Ownerships.Versioned> fresh(String containerId) {
        Optional<Ownerships.Versioned> v = ownerships.get(containerId);
        synchronized (this) {
            v.ifPresentOrElse(this::put, () -> records.remove(containerId));
        }
        return v;
    }

    private void apply(RecordEvent event) {
        String id = event.key().substring(event.key().lastIndexOf('/') + 1);
        synchronized (this) {
            if (event.kind() == RecordEvent.Kind.DELETE) {
                Ownerships.Versioned known = records.get(id);
                if (known == null || known.version() < event.version()) {
                    records.remove(id);
                    deletedAt.merge(id, event.version(), Math::max);
                }
                return;
            }
            try {
                put(new Ownerships.Versioned(ClusterJson.read(event.key(), event.value(), OwnershipRecord.class),
                        event.version()));
            } catch (IllegalStateException e) {
                LOG.warnf("ignoring an unreadable ownership record: %s", e.getMessage());
            }
        }
    }

    private void put(Ownerships.Versioned v) {
        String id = v.record().containerId();
        Ownerships.Versioned known = records.get(id);
        if (known != null && known.version() >= v.version()) {
            return;
        }
        if (deletedAt.getOrDefault(id, -1L) > v.version()) {
            return;
        }
        if (v.record().node().equals(self) || hasLocalCopy.test(id)) {
            records.put(id, v);
        } else {
            records.remove(id);
        }
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }
}
