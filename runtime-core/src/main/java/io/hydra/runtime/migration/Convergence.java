package io.hydra.runtime.migration;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * When pre-copy rounds stop (DESIGN.md): at the first of a round that stored less than the threshold (by default
 * what the link to the store moved in half a second during that round), a round that found at least 70% of the image
 * unchanged (LXD's goal), a round that did not shrink from the one before (P.Haul: the container dirties memory as
 * fast as it is sent, so another round only sends the same pages again), or the maximum number of rounds. Pure, so
 * every rule is tested without a container.
 */
public final class Convergence {
    public static final int DEFAULT_MAX_ROUNDS = 8;
    public static final int MOST_ROUNDS = 64;
    static final double UNCHANGED_GOAL = 0.70;
    static final Duration LINK_WINDOW = Duration.ofMillis(500);

    /**
     * What one round did.
     *
     * @param newBytes       bytes the round added to the store (compressed): what the final dump would have to send
     * @param changedBytes   bytes of the image that differ from what the store held before the round
     * @param bytesPerSecond what the link to the store moved during the round (0: not measurable)
     */
    public record Round(int round, long version, long imageBytes, long newBytes, long changedBytes, Duration duration,
                        long frozenMillis, long bytesPerSecond) {
        double unchanged() {
            return imageBytes <= 0 ? 0 : Math.max(0, 1.0 - (double) changedBytes / imageBytes);
        }
    }

    /** Whether to stop after a round, and why (reported per round and in the summary). */
    public record Decision(boolean stop, String why) {
    }

    private final int maxRounds;
    private final OptionalLong threshold;

    /** @param threshold bytes a round must store less than to stop the rounds; empty: the link's half second */
    public Convergence(int maxRounds, OptionalLong threshold) {
        if (maxRounds < 1 || maxRounds > MOST_ROUNDS) {
            throw new IllegalArgumentException("--max-rounds must be from 1 to " + MOST_ROUNDS + ", got " + maxRounds);
        }
        if (threshold.isPresent() && threshold.getAsLong() < 0) {
            throw new IllegalArgumentException("--threshold must not be negative, got " + threshold.getAsLong());
        }
        this.maxRounds = maxRounds;
        this.threshold = threshold;
    }

    public int maxRounds() {
        return maxRounds;
    }

    public Decision after(Round current, Optional<Round> previous) {
        long limit = threshold.orElse(current.bytesPerSecond() * LINK_WINDOW.toMillis() / 1000);
        String limitText = threshold.isPresent() ? "the threshold " + Bytes.text(limit)
                : "what the link moves in 0.5 s (" + Bytes.text(limit) + ")";
        if (current.newBytes() < limit) {
            return new Decision(true, "round " + current.round() + " stored " + Bytes.text(current.newBytes())
                    + ", under " + limitText);
        }
        if (previous.isPresent() && current.unchanged() >= UNCHANGED_GOAL) {
            return new Decision(true, String.format(java.util.Locale.ROOT, "round %d found %.0f%% of the image"
                    + " unchanged (the goal is %.0f%%)", current.round(), 100 * current.unchanged(),
                    100 * UNCHANGED_GOAL));
        }
        if (previous.isPresent() && current.newBytes() >= previous.get().newBytes()) {
            return new Decision(true, "round " + current.round() + " stored " + Bytes.text(current.newBytes())
                    + ", no less than round " + previous.get().round() + " (" + Bytes.text(previous.get().newBytes())
                    + "): the container dirties memory as fast as it is sent");
        }
        if (current.round() >= maxRounds) {
            return new Decision(true, "reached the maximum of " + maxRounds + " round" + (maxRounds == 1 ? "" : "s"));
        }
        return new Decision(false, "round " + current.round() + " stored " + Bytes.text(current.newBytes())
                + ", not yet under " + limitText + ": another round");
    }

    /** Byte counts as people read them. */
    static final class Bytes {
        private Bytes() {
        }

        static String text(long bytes) {
            if (bytes < 1024) {
                return bytes + " B";
            }
            String[] units = {"KiB", "MiB", "GiB", "TiB"};
            double v = bytes;
            int u = -1;
            while (v >= 1024 && u < units.length - 1) {
                v /= 1024;
                u++;
            }
            return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
        }
    }
}
