package io.hydra.runtime.cluster.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Restores the newest version that works: each failure is kept with its reason, and the walk goes on to the one
 * before, unless the container stopped being this node's to restore (then it stops, having restored nothing).
 */
final class VersionWalk {
    /** A version that could not be restored, and why. */
    record Skipped(long version, String reason) {
    }

    /**
     * @param restored  the version restored, empty when none was
     * @param abandoned the walk stopped because the container is no longer this node's to restore
     */
    record Result(Optional<Long> restored, List<Skipped> skipped, boolean abandoned) {
        Result {
            skipped = List.copyOf(skipped);
        }

        String skippedSummary() {
            return String.join("; ", skipped.stream().map(s -> "version " + s.version() + ": " + s.reason()).toList());
        }
    }

    @FunctionalInterface
    interface Attempt {
        void restore(long version);
    }

    @FunctionalInterface
    interface Guard {
        /** Whether the container is still this node's to restore (checked before each attempt). */
        boolean stillOurs();
    }

    private VersionWalk() {
    }

    static Result walk(List<Long> newestFirst, Guard guard, Attempt attempt) {
        List<Skipped> skipped = new ArrayList<>();
        for (long version : newestFirst) {
            if (!guard.stillOurs()) {
                return new Result(Optional.empty(), skipped, true);
            }
            try {
                attempt.restore(version);
                return new Result(Optional.of(version), skipped, false);
            } catch (RuntimeException e) {
                skipped.add(new Skipped(version, e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        return new Result(Optional.empty(), skipped, false);
    }
}
