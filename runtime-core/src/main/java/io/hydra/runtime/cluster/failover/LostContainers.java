package io.hydra.runtime.cluster.failover;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.spi.cluster.CoordinatorException;

/**
 * The cluster's containers that run nowhere ({@link State#LOST}), for the verbs that name a container this node does
 * not have: {@code inspect} shows one (status {@code lost}, with the reason), {@code rm} forgets it.
 */
public final class LostContainers {
    private static final int MIN_ID_PREFIX = 4;

    private final Ownerships ownerships;
    private final Consumer<HydraEvent> events;
    private final String nodeId;

    public LostContainers(Ownerships ownerships, Consumer<HydraEvent> events, String nodeId) {
        this.ownerships = ownerships;
        this.events = events;
        this.nodeId = nodeId;
    }

    /** The lost container {@code nameOrId} names (its name, its id, or a unique id prefix of 4 or more). */
    public Optional<Ownerships.Versioned> find(String nameOrId) {
        List<Ownerships.Versioned> lost;
        try {
            lost = ownerships.all().stream().filter(v -> v.record().state() == State.LOST).toList();
        } catch (CoordinatorException e) {
            throw HydraException.failed("no such container on this node: " + nameOrId
                    + ", and the cluster cannot be asked about it: " + e.getMessage());
        }
        Optional<Ownerships.Versioned> exact = lost.stream().filter(v -> v.record().name().equals(nameOrId)
                || v.record().containerId().equals(nameOrId)).findFirst();
        if (exact.isPresent() || nameOrId.length() < MIN_ID_PREFIX || !nameOrId.matches("[0-9a-fA-F]+")) {
            return exact;
        }
        String prefix = nameOrId.toLowerCase(Locale.ROOT);
        List<Ownerships.Versioned> matches = lost.stream().filter(v -> v.record().containerId().startsWith(prefix))
                .sorted(Comparator.comparing(v -> v.record().containerId())).toList();
        if (matches.size() > 1) {
            throw HydraException.invalid("id prefix '" + nameOrId + "' is ambiguous: it matches " + matches.size()
                    + " lost containers: " + String.join(", ", matches.stream().map(v -> v.record().containerId()
                    + " (" + v.record().name() + ")").toList()) + "; give more characters or the name");
        }
        return matches.stream().findFirst();
    }

    /**
     * Deletes the record of the lost container {@code nameOrId} names; its id. Its checkpoints stay ({@code hydra
     * restore} can still bring it back, {@code rm-checkpoint} removes them).
     */
    public String forget(String nameOrId) {
        Ownerships.Versioned v = find(nameOrId)
                .orElseThrow(() -> HydraException.notFound("no such container: " + nameOrId));
        OwnershipRecord r = v.record();
        if (!ownerships.delete(v)) {
            throw HydraException.conflict("container " + r.name() + " changed while it was being removed (it may be"
                    + " being restored on a node that just joined); look again with inspect");
        }
        events.accept(HydraEvent.of(EventType.CONTAINER_REMOVED, nodeId, r.containerId(), Map.of("name", r.name(),
                "node", r.node(), "reason", "a lost container's record was removed", "epoch", r.epoch())));
        return r.containerId();
    }
}
