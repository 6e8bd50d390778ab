package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ImageConfig;
import io.hydra.runtime.image.StoredImage;

/** --constraint on create: checked with the other flags, and kept in the record's run options. */
class ConstraintsPlumbingTest {
    private static CreateSpec spec(Map<String, String> constraints) {
        return new CreateSpec("n", null, "/r", null, List.of("sh"), List.of(), null, false, false, false, 0, 0,
                List.of(), null, null, Map.of(), null, false, constraints);
    }

    @Test
    void constraintsGoIntoTheRunOptions() {
        assertEquals(Map.of("zone", "eu"), RunFlags.check(spec(Map.of("zone", "eu"))).options().constraints());
        assertEquals(Map.of(), RunFlags.check(spec(Map.of())).options().constraints());
    }

    @Test
    void aBadConstraintIsRefusedWithTheOtherFlagsBeforeAnythingIsWritten() {
        HydraException e = assertThrows(HydraException.class, () -> RunFlags.check(spec(Map.of("zo ne", "eu"))));
        assertTrue(e.getMessage().contains("--constraint zo ne=eu"), e.getMessage());
    }

    @Test
    void anImageContainersProcessFromItsImageKeepsTheConstraints() {
        StoredImage image = new StoredImage("docker.io/library/test:1", "sha256:" + "ab".repeat(32),
                "sha256:" + "cd".repeat(32), new ImageConfig(List.of(), List.of("sh"), List.of(), null, null,
                Map.of(), List.of(), null), List.of(), 0, Instant.EPOCH);
        CreateSpec s = new CreateSpec("c", null, null, "test:1", List.of(), List.of(), null, false, false, false, 0,
                0, List.of(), null, null, Map.of(), null, false, Map.of("disk", "ssd"));
        assertEquals(Map.of("disk", "ssd"), ImageProcess.apply(image, s).constraints());
        // a request without --constraint reads as none
        assertEquals(Map.of(), new CreateSpec("c", null, null, "test:1", List.of(), List.of(), null, false, false,
                false, 0, 0, List.of(), null, null, Map.of(), null, false).constraints());
    }
}
