package io.hydra.cli.checkpoints;

import java.io.PrintWriter;

import io.hydra.api.v1.CheckpointProgress;

/**
 * A checkpoint's, restore's or migration's progress as one line on stderr, rewritten in place; only on a terminal,
 * where a carriage return means something.
 */
public final class ProgressLine {
    private final PrintWriter err;
    private final boolean enabled;

    public ProgressLine(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** Whether progress is shown at all: on a terminal, and only when the output is text (not JSON for a script). */
    public static boolean onTerminal(String format) {
        return System.console() != null && format.equals("text");
    }

    public boolean enabled() {
        return enabled;
    }

    void show(CheckpointProgress p) {
        if (enabled && !p.hasSummary() && p.getTotal() > 0) {
            err.printf("\r%-10s %5.1f%%  %s / %s", p.getPhase(), 100.0 * p.getDone() / p.getTotal(),
                    ByteSize.format(p.getDone()), ByteSize.format(p.getTotal()));
            err.flush();
        }
    }

    /** A phase with its bytes so far: a percentage when the total is known, the bytes alone when not, else the name. */
    public void show(String phase, long done, long total) {
        if (!enabled) {
            return;
        }
        if (total > 0) {
            err.printf("\r\033[K%-10s %5.1f%%  %s / %s", phase, 100.0 * done / total, ByteSize.format(done),
                    ByteSize.format(total));
        } else if (done > 0) {
            err.printf("\r\033[K%-10s %s", phase, ByteSize.format(done));
        } else {
            err.printf("\r\033[K%s", phase);
        }
        err.flush();
    }

    /** A line that stays (a finished round), printed over the progress line, which the next {@link #show} redraws. */
    public void println(String line) {
        if (enabled) {
            err.print("\r\033[K");
            err.println(line);
            err.flush();
        }
    }

    public void clear() {
        if (enabled) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
