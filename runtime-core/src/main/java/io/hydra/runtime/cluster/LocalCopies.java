package io.hydra.runtime.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;

/**
 * What the cluster does to the copies of containers on this node, through the container service like any verb:
 * freeze and thaw for fencing (remembered durably, so fencing never thaws what a user paused), and removal of a
 * copy another node owns now. A removal never touches the container's checkpoints: they are the new owner's history.
 */
public final class LocalCopies {
    private static final Logger LOG = Logger.getLogger(LocalCopies.class);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);

    private final ContainerService containers;
    private final StateStore store;
    private final FencedContainers fenced;

    public LocalCopies(ContainerService containers, StateStore store, FencedContainers fenced) {
        this.containers = containers;
        this.store = store;
        this.fenced = fenced;
    }

    public FencedContainers fenced() {
        return fenced;
    }

    /** Whether the container has a policy that protects it (the local view, which needs no coordinator). */
    public boolean isProtected(String id) {
        return store.policy(id).map(p -> p.protects()).orElse(false);
    }

    /**
     * Freezes a running protected container for fencing; false when it is not running (a paused one is the user's
     * and stays as it is). The id is written down before the freeze, so a crash in between leaves no frozen
     * container that fencing would not know to thaw. One fencing froze and someone resumed is frozen again.
     */
    public boolean freeze(String id, String reason) {
        Optional<ContainerRecord> r = store.byId(id);
        if (r.isEmpty() || r.get().status() != ContainerStatus.running) {
            return false;
        }
        fenced.add(id);
        try {
            containers.pause(id, "reason", "fencing: " + reason);
            LOG.warnf("fencing froze container %s (%s): %s", r.get().name(), id, reason);
            return true;
        } catch (HydraException e) {
            if (store.byId(id).map(c -> c.status() == ContainerStatus.running).orElse(false)) {
                // still running: it must be frozen, so it stays listed and the next pass tries again
                LOG.errorf("fencing could not freeze container %s: %s; trying again", r.get().name(), e.getMessage());
                return false;
            }
            fenced.remove(id);
            return false;
        }
    }

    /** Thaws a container fencing froze and forgets it; one it did not freeze is never touched. */
    public void thaw(String id) {
        if (!fenced.contains(id)) {
            return;
        }
        Optional<ContainerRecord> r = store.byId(id);
        if (r.isPresent() && r.get().status() == ContainerStatus.paused) {
            containers.resume(id, "reason", "fencing: this node still owns it");
            LOG.infof("fencing thawed container %s (%s): this node still owns it", r.get().name(), id);
        }
        fenced.remove(id);
    }

    /**
     * Removes this node's copy of a container another node owns: kills it (a frozen one dies without running
     * another instruction), waits for its exit, and removes its local record and files, saying why in the event.
     */
    public void removeStale(String id, String reason) {
        Optional<ContainerRecord> found = store.byId(id);
        if (found.isEmpty()) {
            fenced.remove(id);
            return;
        }
        ContainerRecord r = found.get();
        if (r.status().live()) {
            var exit = containers.exitFuture(id);
            try {
                containers.kill(id, "KILL");
            } catch (HydraException e) {
                if (store.byId(id).map(c -> c.status().live()).orElse(false)) {
                    throw e;
                }
            }
            try {
                exit.get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw HydraException.failed("the stale copy of " + r.name() + " did not exit within "
                        + EXIT_WAIT.toSeconds() + " s of SIGKILL; trying again");
            } catch (ExecutionException e) {
                throw HydraException.failed("waiting for the stale copy of " + r.name() + " to exit: "
                        + e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw HydraException.failed("interrupted while removing the stale copy of " + r.name());
            }
        }
        containers.remove(id, true, "reason", reason);
        fenced.remove(id);
        LOG.warnf("removed the local copy of container %s (%s): %s", r.name(), id, reason);
    }
}
