package io.hydra.runtime.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.hydra.spi.cluster.MemberEvent;

/**
 * The other live members as this node last heard of them, fed by the coordinator's member watch. It is what
 * fencing asks when the coordinator cannot be reached, so it must not need the coordinator to be read.
 */
public final class PeerDirectory implements Consumer<MemberEvent> {
    private static final Logger LOG = Logger.getLogger(PeerDirectory.class);

    private final String self;
    private final Map<String, NodeRecord> peers = new ConcurrentHashMap<>();

    public PeerDirectory(String self) {
        this.self = self;
    }

    @Override
    public void accept(MemberEvent event) {
        if (event.nodeId().equals(self)) {
            return;
        }
        if (event.kind() == MemberEvent.Kind.LEFT) {
            peers.remove(event.nodeId());
            return;
        }
        try {
            peers.put(event.nodeId(), ClusterJson.read("nodes/" + event.nodeId(), event.record(), NodeRecord.class));
        } catch (IllegalStateException e) {
            LOG.warnf("ignoring member %s: %s", event.nodeId(), e.getMessage());
        }
    }

    /** The other members with an address to reach them at. */
    public Collection<NodeRecord> others() {
        return List.copyOf(peers.values().stream().filter(r -> !r.address().isEmpty()).toList());
    }
}
