package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.hydra.api.v1.ProbeResponse;
import io.hydra.runtime.cluster.NodeRecord;

/**
 * Asks live peers which of some directories they hold (a {@code --rootfs} or {@code --bundle} container can only be
 * restored where its root exists). The node side's {@code PeerClient::probeAll} is one: Peer.Probe over mutual TLS.
 */
@FunctionalInterface
public interface PeerProbe {
    /** The answers by node id; a peer that did not answer within {@code deadline} is absent. */
    Map<String, ProbeResponse> probeAll(Collection<NodeRecord> peers, List<String> paths, Duration deadline);
}
