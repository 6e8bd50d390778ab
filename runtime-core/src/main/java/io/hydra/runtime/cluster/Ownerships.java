package io.hydra.runtime.cluster;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.RecordEvent;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.cluster.VersionedValue;

/** The ownership records of the cluster's containers, typed, over the coordinator's compare-and-set. */
public final class Ownerships {
    public static final String PREFIX = "owners/";

    /** A record and the version a compare-and-set must name to replace it. */
    public record Versioned(OwnershipRecord record, long version) {
    }

    private final Coordinator coordinator;

    public Ownerships(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    public Optional<Versioned> get(String containerId) {
        return coordinator.get(PREFIX + containerId).map(Ownerships::decode);
    }

    public List<Versioned> all() {
        return coordinator.list(PREFIX).stream().map(Ownerships::decode).toList();
    }

    /** Records a container this node has just made; false when a record of that id exists already. */
    public boolean create(OwnershipRecord record) {
        return coordinator.create(PREFIX + record.containerId(), ClusterJson.write(record)).isPresent();
    }

    /** Replaces {@code current} with {@code next}; the new versioned record, or empty when someone else changed it. */
    public Optional<Versioned> replace(Versioned current, OwnershipRecord next) {
        if (!current.record().containerId().equals(next.containerId())) {
            throw new IllegalArgumentException("an ownership record cannot change its container");
        }
        var version = coordinator.compareAndSet(PREFIX + next.containerId(), current.version(), ClusterJson.write(next));
        return version.isPresent() ? Optional.of(new Versioned(next, version.getAsLong())) : Optional.empty();
    }

    public boolean delete(Versioned current) {
        return coordinator.compareAndDelete(PREFIX + current.record().containerId(), current.version());
    }

    /** Every record written from now on (a deletion arrives as an empty optional with the container id). */
    public Subscription watch(Consumer<Change> listener) {
        return coordinator.watch(PREFIX, event -> {
            String id = event.key().substring(event.key().lastIndexOf('/') + 1);
            listener.accept(event.kind() == RecordEvent.Kind.DELETE ? new Change(id, Optional.empty())
                    : new Change(id, Optional.of(decode(new VersionedValue(event.key(), event.value(),
                    event.version())))));
        });
    }

    public record Change(String containerId, Optional<Versioned> current) {
    }

    private static Versioned decode(VersionedValue value) {
        return new Versioned(ClusterJson.read(value.key(), value.value(), OwnershipRecord.class), value.version());
    }
}
