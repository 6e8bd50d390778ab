package io.hydra.runtime.cluster;

import org.jboss.logging.Logger;

import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;

/** Fencing's hands on this node's containers: freezes the protected ones, and settles them by their records. */
public final class NodeFreezer implements Fencing.Freezer {
    private static final Logger LOG = Logger.getLogger(NodeFreezer.class);

    private final StateStore store;
    private final LocalCopies copies;
    private final OwnershipSync sync;

    public NodeFreezer(StateStore store, LocalCopies copies, OwnershipSync sync) {
        this.store = store;
        this.copies = copies;
        this.sync = sync;
    }

    @Override
    public void freezeProtected(String reason) {
        for (ContainerRecord r : store.all()) {
            if (r.status() == ContainerStatus.running && copies.isProtected(r.id())) {
                try {
                    copies.freeze(r.id(), reason);
                } catch (RuntimeException e) {
                    LOG.errorf("fencing could not freeze %s: %s", r.name(), e.getMessage());
                }
            }
        }
    }

    @Override
    public boolean anyFrozen() {
        return !copies.fenced().ids().isEmpty();
    }

    @Override
    public boolean settleFrozen() {
        boolean all = true;
        for (String id : copies.fenced().ids()) {
            try {
                all &= sync.resolveFenced(id);
            } catch (RuntimeException e) {
                all = false;
                LOG.warnf("fenced container %s not settled yet: %s", id, e.getMessage());
            }
        }
        return all;
    }
}
