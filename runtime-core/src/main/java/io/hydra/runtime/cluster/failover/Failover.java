package io.hydra.runtime.cluster.failover;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.hydra.events.HydraEvent;
import io.hydra.runtime.checkpoint.CheckpointPolicies;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.cluster.ClusterNode;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.runtime.container.ContainerService;

/**
 * The failover half of a clustered node: the controller (which acts only while this daemon is elected), the restorer
 * (which restores what the controller moved here) and the view of containers that run nowhere. Started once the node
 * has joined and settled its containers' ownership, before the API serves.
 */
public final class Failover implements AutoCloseable {
    private final FailoverController controller;
    private final FailoverRestorer restorer;
    private final LostContainers lost;

    private Failover(FailoverController controller, FailoverRestorer restorer, LostContainers lost) {
        this.controller = controller;
        this.restorer = restorer;
        this.lost = lost;
    }

    /**
     * @param checkpoints null when checkpoints are off on this node: it still controls and reports lost containers,
     *                    but restores nothing (its node record advertises no CRIU, so no placement chooses it)
     */
    public static Failover start(ClusterNode cluster, ContainerService containers, CheckpointService checkpoints,
                                 CheckpointPolicies policies, Consumer<HydraEvent> events,
                                 Predicate<String> postCopyFromHere) {
        Ownerships ownerships = cluster.ownerships().orElseThrow();
        String nodeId = cluster.nodeId();
        FailoverController controller = new FailoverController(cluster.coordinator().orElseThrow(), ownerships,
                cluster.scheduler().orElseThrow(), cluster.peerClient().orElseThrow()::probeAll, events,
                cluster.settings().orElseThrow(), nodeId);
        FailoverRestorer restorer = null;
        if (checkpoints != null && policies != null) {
            restorer = new FailoverRestorer(ownerships, new CheckpointRestores(containers, checkpoints,
                    (id, every, keep, constraints) -> policies.set(id, every, keep, false, constraints),
                    cluster.localCopies().orElseThrow()::removeStale), events, nodeId, postCopyFromHere);
            restorer.start();
        }
        controller.start();
        return new Failover(controller, restorer, new LostContainers(ownerships, events, nodeId));
    }

    public Optional<LostContainers> lost() {
        return Optional.of(lost);
    }

    public boolean leading() {
        return controller.leading();
    }

    @Override
    public void close() {
        controller.close();
        if (restorer != null) {
            restorer.close();
        }
    }
}
