package io.hydra.runtime.migration;

import java.util.List;

/**
 * What a migration did, for its summary line, its JSON and its events.
 *
 * @param rounds      pre-copy rounds before the final dump (0 for stop-and-copy)
 * @param bytesMoved  bytes uploaded to the store by every round and the final dump, plus what the target pulled ahead
 * @param downtimeMs  from the final freeze to the target's report that the container runs
 * @param version     the version the target restored
 * @param decision    why the rounds stopped
 */
public record MigrationReport(String id, String containerId, String name, MigrationMode mode, String from, String to,
                              int rounds, long bytesMoved, long downtimeMs, long totalMs, long version, long epoch,
                              String decision, List<RoundReport> roundDetails) {
    public MigrationReport {
        roundDetails = List.copyOf(roundDetails);
    }

    /** One round as reported: what it did, what the rule decided, what the target pulled ahead after it. */
    public record RoundReport(Convergence.Round round, String decision, long prefetchedBytes) {
    }

    /** Receives a migration's progress; called from the migrating thread, must return quickly. */
    public interface Listener {
        /** {@code phase}: round, final, handoff, restore; bytes done of total in that phase when known. */
        default void phase(String phase, int round, long done, long total) {
        }

        default void roundFinished(RoundReport report) {
        }
    }
}
