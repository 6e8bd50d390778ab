package io.hydra.cli.checkpoints;

import java.io.PrintWriter;

import io.hydra.api.v1.CheckpointProgress;

/**
 * A checkpoint's or restore's progress as one line on stderr, rewritten in place; only on a terminal, where a
 * carriage return means something.
 */
final class ProgressLine {
    private final PrintWriter err;
    private final boolean enabled;

    ProgressLine(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    void show(CheckpointProgress p) {
        if (enabled && !p.hasSummary() && p.getTotal() > 0) {
            err.printf("\r%-10s %5.1f%%  %s / %s", p.getPhase(), 100.0 * p.getDone() / p.getTotal(),
                    ByteSize.format(p.getDone()), ByteSize.format(p.getTotal()));
            err.flush();
        }
    }

    void clear() {
        if (enabled) {
            err.print("\r\033[K");
        }
    }
}
