package io.hydra.cli.cluster;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import io.hydra.api.v1.MigrateRequest;
import io.hydra.api.v1.MigrationProgress;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import io.hydra.cli.checkpoints.ByteSize;
import io.hydra.cli.checkpoints.ProgressLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hydra migrate}: Migrations.Migrate, a live migration to another node. On a terminal, the phase on a progress
 * line and a line per finished round (stderr); then the summary, as text or JSON, everywhere.
 */
@Command(name = "migrate", description = "Move a running container to another node (live, by default pre-copy).")
public final class Migrate extends NamedCommand {
    static final List<String> MODES = List.of("stopcopy", "precopy", "postcopy");

    @Option(names = "--to", required = true, paramLabel = "NODE", description = "the target node's id")
    String to;

    @Option(names = "--mode", paramLabel = "MODE", description = "stopcopy, precopy (default) or postcopy")
    String mode;

    @Option(names = "--max-rounds", paramLabel = "N", description = "pre-copy rounds at most (default: the"
            + " daemon's, 8)")
    Integer maxRounds;

    @Option(names = "--threshold", paramLabel = "SIZE", description = "stop the rounds when one stores less than"
            + " this, e.g. 64m (default: what the link moves in 0.5 s)")
    String threshold;

    @Option(names = "--tcp-established", description = "dump established TCP connections (refused across nodes)")
    boolean tcpEstablished;

    @Option(names = "--format", description = "text or json (the summary)")
    String format = "text";

    /** The flags are checked before the daemon is reached: a usage error (exit 2) whether or not it runs. */
    @Override
    public Integer call() throws Exception {
        request();
        return super.call();
    }

    @Override
    protected int call(DaemonConnection c) {
        return follow(c.migrations().migrate(request()));
    }

    /** The request these flags make; a usage error (exit 2) for a flag out of range or malformed. */
    MigrateRequest request() {
        if (!format.equals("text") && !format.equals("json")) {
            throw usageError("--format must be text or json, got '" + format + "'");
        }
        if (to.isBlank()) {
            throw usageError("--to must name the target node");
        }
        String m = mode == null ? "precopy" : mode.toLowerCase(Locale.ROOT);
        if (!MODES.contains(m)) {
            throw usageError("--mode must be stopcopy, precopy or postcopy, got '" + mode + "'");
        }
        if (maxRounds != null && maxRounds < 1) {
            throw usageError("--max-rounds must be at least 1, got " + maxRounds);
        }
        return MigrateRequest.newBuilder().setContainer(name).setToNode(to).setMode(m)
                .setMaxRounds(maxRounds == null ? 0 : maxRounds).setThresholdBytes(thresholdBytes())
                .setTcpEstablished(tcpEstablished).build();
    }

    private long thresholdBytes() {
        if (threshold == null) {
            return -1;
        }
        try {
            return ByteSize.parse(threshold);
        } catch (IllegalArgumentException e) {
            throw usageError("--threshold " + e.getMessage() + ", got '" + threshold + "'");
        }
    }

    /** Progress on a terminal while it runs, nothing elsewhere; the summary at the end. A failed stream throws. */
    int follow(Iterator<MigrationProgress> progress) {
        ProgressLine line = new ProgressLine(err(), ProgressLine.onTerminal(format));
        MigrationProgress last = null;
        try {
            while (progress.hasNext()) {
                last = progress.next();
                if (last.hasFinishedRound()) {
                    line.println(MigrationFormat.round(last.getFinishedRound()));
                }
                if (!last.hasSummary() && !last.getPhase().isEmpty()) {
                    line.show(MigrationFormat.phase(last), last.getDone(), last.getTotal());
                }
            }
        } finally {
            line.clear();
        }
        if (last == null || !last.hasSummary()) {
            throw new IllegalStateException("the daemon ended the migration without a summary");
        }
        out().print(MigrationFormat.render(last.getSummary(), name, format.equals("json")));
        out().flush();
        return 0;
    }
}
