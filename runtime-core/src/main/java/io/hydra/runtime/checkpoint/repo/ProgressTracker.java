package io.hydra.runtime.checkpoint.repo;

/**
 * Counts progress from several threads and passes it to a {@link ProgressListener} about every half percent, so a
 * gigabyte of 64 KiB chunks does not make sixteen thousand calls.
 */
final class ProgressTracker {
    private static final int STEPS = 200;

    private final ProgressListener listener;
    private final ProgressListener.Phase phase;
    private final long total;
    private final long step;
    private long done;
    private long reported = -1;

    ProgressTracker(ProgressListener listener, ProgressListener.Phase phase, long total) {
        this.listener = listener;
        this.phase = phase;
        this.total = total;
        this.step = Math.max(1, total / STEPS);
    }

    synchronized void start() {
        report();
    }

    synchronized void advance(long amount) {
        done += amount;
        if (done - reported >= step || done == total) {
            report();
        }
    }

    private void report() {
        if (done == reported) {
            return;
        }
        reported = done;
        try {
            listener.progress(phase, done, total);
        } catch (RuntimeException e) {
            // A broken progress display must not fail a checkpoint.
        }
    }
}
