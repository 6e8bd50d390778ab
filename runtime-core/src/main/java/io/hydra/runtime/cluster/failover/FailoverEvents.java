package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.runtime.cluster.OwnershipRecord;

/** The events of the cluster's failover, with what a consumer needs without calling back. */
final class FailoverEvents {
    private final String source;

    /** @param source the node that emits them (the controller's, or the restoring one's) */
    FailoverEvents(String source) {
        this.source = source;
    }

    HydraEvent nodeLost(String node, Instant lostAt, List<String> containers) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("node", node);
        data.put("lostAt", lostAt.toString());
        data.put("containers", List.copyOf(containers));
        return HydraEvent.of(EventType.NODE_LOST, source, node, data);
    }

    HydraEvent nodeJoined(String node, NodeRecord record, boolean returning) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("node", node);
        data.put("returning", returning);
        if (record != null) {
            data.put("address", record.address());
            data.put("labels", record.labels());
        }
        return HydraEvent.of(EventType.NODE_JOINED, source, node, data);
    }

    /** {@code lost} is the record as it is now, LOST. */
    HydraEvent containerLost(OwnershipRecord lost) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("name", lost.name());
        data.put("node", lost.node());
        data.put("reason", lost.reason());
        data.put("epoch", lost.epoch());
        data.put("protected", lost.isProtected());
        if (lost.lostAt() != null) {
            data.put("lostAt", lost.lostAt().toString());
        }
        return HydraEvent.of(EventType.CONTAINER_LOST, source, lost.containerId(), data);
    }

    /** {@code running} is the record as it is now, RUNNING on the new node. */
    /**
     * @param boundAt        when the controller bound it to this node (its loss plus detection, grace and placement)
     * @param restoreStarted when this node started restoring it (download and restore take the rest)
     */
    HydraEvent failedOver(OwnershipRecord running, long version, List<VersionWalk.Skipped> skipped, Instant now,
                          boolean recovered, Instant boundAt, Instant restoreStarted) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("name", running.name());
        data.put("from", running.fromNode());
        data.put("to", running.node());
        // 0 when a daemon restarted mid-restore found the copy running and cannot know which version it came from
        data.put("version", version);
        data.put("epoch", running.epoch());
        if (running.lostAt() != null) {
            data.put("msSinceLoss", Duration.between(running.lostAt(), now).toMillis());
            if (boundAt != null) {
                data.put("placedMsAfterLoss", Duration.between(running.lostAt(), boundAt).toMillis());
            }
        }
        data.put("restoreMs", Duration.between(restoreStarted, now).toMillis());
        data.put("skipped", skipped.stream().map(s -> Map.<String, Object>of("version", s.version(),
                "reason", s.reason())).toList());
        if (recovered) {
            // the daemon restarted while restoring and found the copy running
            data.put("recovered", true);
        }
        return HydraEvent.of(EventType.CONTAINER_FAILED_OVER, source, running.containerId(), data);
    }
}
