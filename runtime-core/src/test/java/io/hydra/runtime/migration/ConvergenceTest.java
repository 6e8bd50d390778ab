package io.hydra.runtime.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/** Each rule that ends pre-copy rounds, and the order they are asked in. */
class ConvergenceTest {
    private static final long MIB = 1 << 20;

    private static Convergence.Round round(int n, long image, long stored, long changed, long rate) {
        return new Convergence.Round(n, n, image, stored, changed, Duration.ofSeconds(1), 100, rate);
    }

    @Test
    void aRoundUnderTheLinksHalfSecondStops() {
        Convergence rule = new Convergence(8, OptionalLong.empty());
        // 100 MiB/s: the threshold is 50 MiB
        Convergence.Decision d = rule.after(round(2, 1024 * MIB, 40 * MIB, 400 * MIB, 100 * MIB),
                Optional.of(round(1, 1024 * MIB, 900 * MIB, 1024 * MIB, 100 * MIB)));
        assertTrue(d.stop());
        assertTrue(d.why().contains("what the link moves in 0.5 s (50.0 MiB)"), d.why());
    }

    @Test
    void anExplicitThresholdReplacesTheLinks() {
        Convergence rule = new Convergence(8, OptionalLong.of(10 * MIB));
        assertFalse(rule.after(round(1, 1024 * MIB, 900 * MIB, 1024 * MIB, 100 * MIB), Optional.empty()).stop());
        Convergence.Decision d = rule.after(round(2, 1024 * MIB, 5 * MIB, 400 * MIB, 100 * MIB),
                Optional.of(round(1, 1024 * MIB, 900 * MIB, 1024 * MIB, 100 * MIB)));
        assertTrue(d.stop() && d.why().contains("the threshold 10.0 MiB"), d.why());
    }

    @Test
    void seventyPercentUnchangedStopsFromTheSecondRound() {
        Convergence rule = new Convergence(8, OptionalLong.of(0));
        Convergence.Round first = round(1, 1000 * MIB, 800 * MIB, 1000 * MIB, 100 * MIB);
        assertFalse(rule.after(first, Optional.empty()).stop(), "a first round never stops by what it found");
        Convergence.Decision d = rule.after(round(2, 1000 * MIB, 200 * MIB, 250 * MIB, 100 * MIB), Optional.of(first));
        assertTrue(d.stop() && d.why().contains("75% of the image unchanged"), d.why());
    }

    @Test
    void aRoundThatDoesNotShrinkStops() {
        Convergence rule = new Convergence(8, OptionalLong.of(0));
        Convergence.Round second = round(2, 1000 * MIB, 300 * MIB, 400 * MIB, 100 * MIB);
        Convergence.Decision d = rule.after(round(3, 1000 * MIB, 310 * MIB, 410 * MIB, 100 * MIB),
                Optional.of(second));
        assertTrue(d.stop() && d.why().contains("no less than round 2"), d.why());
    }

    @Test
    void theMaximumOfRoundsStopsAndOtherwiseTheRoundsGoOn() {
        Convergence rule = new Convergence(3, OptionalLong.of(0));
        Convergence.Round second = round(2, 1000 * MIB, 500 * MIB, 600 * MIB, 100 * MIB);
        assertEquals("round 2 stored 500.0 MiB, not yet under the threshold 0 B: another round",
                rule.after(second, Optional.of(round(1, 1000 * MIB, 900 * MIB, 1000 * MIB, 100 * MIB))).why());
        Convergence.Decision d = rule.after(round(3, 1000 * MIB, 400 * MIB, 500 * MIB, 100 * MIB),
                Optional.of(second));
        assertTrue(d.stop());
        assertEquals("reached the maximum of 3 rounds", d.why());
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Convergence(0, OptionalLong.empty()))
                .getMessage().contains("--max-rounds must be from 1 to 64, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Convergence(65, OptionalLong.empty()))
                .getMessage().contains("got 65"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Convergence(8, OptionalLong.of(-1)))
                .getMessage().contains("--threshold must not be negative, got -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MigrationMode.parse("teleport"))
                .getMessage().contains("unknown migration mode 'teleport': use stopcopy, precopy or postcopy"));
        assertEquals(MigrationMode.PRECOPY, MigrationMode.parse(""));
    }
}
