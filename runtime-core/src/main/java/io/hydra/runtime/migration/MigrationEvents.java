package io.hydra.runtime.migration;

import java.util.LinkedHashMap;
import java.util.Map;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;

/** The {@code io.hydra.migration.*} events: both nodes, the rounds, the bytes and the downtime, where it runs. */
final class MigrationEvents {
    private final String source;

    MigrationEvents(String source) {
        this.source = source;
    }

    HydraEvent started(MigrationJournal.Entry e, int maxRounds) {
        Map<String, Object> data = base(e);
        data.put("maxRounds", maxRounds);
        return HydraEvent.of(EventType.MIGRATION_STARTED, source, e.containerId(), data);
    }

    HydraEvent completed(MigrationReport r) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("migration", r.id());
        data.put("name", r.name());
        data.put("mode", r.mode().text());
        data.put("from", r.from());
        data.put("to", r.to());
        data.put("runsOn", r.to());
        data.put("rounds", r.rounds());
        data.put("bytesMoved", r.bytesMoved());
        data.put("downtimeMs", r.downtimeMs());
        data.put("totalMs", r.totalMs());
        data.put("version", r.version());
        data.put("epoch", r.epoch());
        data.put("decision", r.decision());
        return HydraEvent.of(EventType.MIGRATION_COMPLETED, source, r.containerId(), data);
    }

    /** @param runsOn the node the container runs on now, or "" when it runs nowhere (then {@code why} says so) */
    HydraEvent failed(MigrationJournal.Entry e, String runsOn, String why, int rounds, long bytesMoved) {
        Map<String, Object> data = base(e);
        data.put("runsOn", runsOn);
        data.put("reason", why);
        data.put("rounds", rounds);
        data.put("bytesMoved", bytesMoved);
        return HydraEvent.of(EventType.MIGRATION_FAILED, source, e.containerId(), data);
    }

    private static Map<String, Object> base(MigrationJournal.Entry e) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("migration", e.id());
        data.put("name", e.name());
        data.put("mode", e.mode());
        data.put("from", e.from());
        data.put("to", e.to());
        return data;
    }
}
