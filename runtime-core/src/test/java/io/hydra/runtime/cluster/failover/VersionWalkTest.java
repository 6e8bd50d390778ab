package io.hydra.runtime.cluster.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class VersionWalkTest {
    private final List<Long> tried = new ArrayList<>();

    private VersionWalk.Attempt failing(long... broken) {
        return version -> {
            tried.add(version);
            for (long b : broken) {
                if (b == version) {
                    throw new IllegalStateException("version " + version + " is damaged");
                }
            }
        };
    }

    @Test
    void theNewestVersionIsRestoredWhenItWorks() {
        VersionWalk.Result r = VersionWalk.walk(List.of(5L, 4L, 3L), () -> true, failing());
        assertEquals(Optional.of(5L), r.restored());
        assertEquals(List.of(5L), tried);
        assertTrue(r.skipped().isEmpty());
    }

    @Test
    void aFailedVersionIsSkippedWithItsReasonAndTheOneBeforeIsUsed() {
        VersionWalk.Result r = VersionWalk.walk(List.of(5L, 4L, 3L), () -> true, failing(5, 4));
        assertEquals(Optional.of(3L), r.restored());
        assertEquals(List.of(5L, 4L, 3L), tried);
        assertEquals(List.of(new VersionWalk.Skipped(5, "version 5 is damaged"),
                new VersionWalk.Skipped(4, "version 4 is damaged")), r.skipped());
        assertEquals("version 5: version 5 is damaged; version 4: version 4 is damaged", r.skippedSummary());
    }

    @Test
    void everyVersionFailingRestoresNothingAndSaysWhyForEach() {
        VersionWalk.Result r = VersionWalk.walk(List.of(2L, 1L), () -> true, failing(2, 1));
        assertEquals(Optional.empty(), r.restored());
        assertFalse(r.abandoned());
        assertEquals(2, r.skipped().size());
    }

    @Test
    void theWalkStopsWhenTheContainerIsNoLongerThisNodesToRestore() {
        int[] checks = {0};
        VersionWalk.Result r = VersionWalk.walk(List.of(5L, 4L, 3L), () -> ++checks[0] < 2, failing(5, 4));
        assertTrue(r.abandoned());
        assertEquals(Optional.empty(), r.restored());
        assertEquals(List.of(5L), tried, "nothing is restored once the record names another owner");
    }

    @Test
    void noVersionsRestoresNothing() {
        VersionWalk.Result r = VersionWalk.walk(List.of(), () -> true, failing());
        assertEquals(Optional.empty(), r.restored());
        assertFalse(r.abandoned());
    }
}
