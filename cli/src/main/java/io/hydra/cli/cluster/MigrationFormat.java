package io.hydra.cli.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

import io.hydra.api.v1.MigrationProgress;
import io.hydra.api.v1.MigrationRound;
import io.hydra.api.v1.MigrationSummary;
import io.hydra.cli.Json;
import io.hydra.cli.checkpoints.ByteSize;

/**
 * {@code hydra migrate} output: a line per finished round (on a terminal), the summary line, and the JSON scripts
 * rely on (DESIGN.md's stable fields {@code mode from to rounds bytesMoved downtimeMs totalMs}, and more).
 */
public final class MigrationFormat {
    private MigrationFormat() {
    }

    /** {@code round 2: 12.3 MiB new of 256.0 MiB (95% unchanged) in 0.8 s at 110.0 MiB/s — DECISION}. */
    public static String round(MigrationRound r) {
        return String.format("round %d: %s new of %s (%d%% unchanged) in %.1f s at %s/s%s", r.getRound(),
                ByteSize.format(r.getNewBytes()), ByteSize.format(r.getImageBytes()), unchangedPercent(r),
                r.getDurationMs() / 1000.0, ByteSize.format(r.getBytesPerSecond()), decision(r.getDecision()));
    }

    /** The share of the image the round found as the previous one left it, rounded down (100 only if all of it). */
    static long unchangedPercent(MigrationRound r) {
        if (r.getImageBytes() <= 0) {
            return 0;
        }
        long unchanged = Math.max(0, r.getImageBytes() - r.getChangedBytes());
        return (long) Math.floor(100.0 * unchanged / r.getImageBytes());
    }

    /** What the progress line says of a message that is neither a finished round nor the summary. */
    public static String phase(MigrationProgress p) {
        return p.getPhase().equals("round") && p.getRound() > 0 ? "round " + p.getRound() : p.getPhase();
    }

    /** {@code migrated NAME from A to B (precopy, 3 rounds, 301.0 MiB moved, downtime 1234 ms, total 9.8 s) — DECISION}. */
    public static String text(MigrationSummary s, String name) {
        return String.format("migrated %s from %s to %s (%s, %d %s, %s moved, downtime %d ms, total %.1f s)%s",
                s.getName().isEmpty() ? name : s.getName(), s.getFromNode(), s.getToNode(), s.getMode(),
                s.getRounds(), s.getRounds() == 1 ? "round" : "rounds", ByteSize.format(s.getBytesMoved()),
                s.getDowntimeMs(), s.getTotalMs() / 1000.0, decision(s.getDecision()));
    }

    public static Map<String, Object> json(MigrationSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.getId());
        m.put("container", s.getContainerId());
        m.put("name", s.getName());
        m.put("mode", s.getMode());
        m.put("from", s.getFromNode());
        m.put("to", s.getToNode());
        m.put("rounds", s.getRounds());
        m.put("bytesMoved", s.getBytesMoved());
        m.put("downtimeMs", s.getDowntimeMs());
        m.put("totalMs", s.getTotalMs());
        m.put("version", s.getVersion());
        m.put("epoch", s.getEpoch());
        m.put("decision", s.getDecision());
        m.put("roundDetails", s.getRoundDetailsList().stream().map(MigrationFormat::json).toList());
        return m;
    }

    public static Map<String, Object> json(MigrationRound r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", r.getRound());
        m.put("version", r.getVersion());
        m.put("imageBytes", r.getImageBytes());
        m.put("newBytes", r.getNewBytes());
        m.put("changedBytes", r.getChangedBytes());
        m.put("durationMs", r.getDurationMs());
        m.put("frozenMs", r.getFrozenMs());
        m.put("bytesPerSecond", r.getBytesPerSecond());
        m.put("decision", r.getDecision());
        m.put("prefetchedBytes", r.getPrefetchedBytes());
        return m;
    }

    /** The whole output at the end: one JSON object, or the summary line. */
    public static String render(MigrationSummary s, String name, boolean json) {
        return (json ? Json.write(json(s)) : text(s, name)) + System.lineSeparator();
    }

    private static String decision(String decision) {
        return decision.isEmpty() ? "" : " — " + decision;
    }
}
