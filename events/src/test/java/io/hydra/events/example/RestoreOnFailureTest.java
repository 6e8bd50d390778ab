package io.hydra.events.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;

class RestoreOnFailureTest {
    private static HydraEvent exited(Map<String, Object> data) {
        return HydraEvent.of(EventType.CONTAINER_EXITED, "node-1", "c0ffee", data);
    }

    @Test
    void restoresAfterANonZeroExitOrAnOomKillOnly() {
        assertEquals(Optional.of("it exited with code 3"),
                RestoreOnFailure.restoreReason(exited(Map.of("exitCode", 3, "oomKilled", false))));
        assertEquals(Optional.of("it exited with code 137 (SIGKILL)"), RestoreOnFailure.restoreReason(
                exited(Map.of("exitCode", 137, "signal", "SIGKILL", "oomKilled", false))));
        assertEquals(Optional.of("it was killed by the OOM killer"),
                RestoreOnFailure.restoreReason(exited(Map.of("exitCode", 137, "oomKilled", true))));
        assertEquals(Optional.empty(),
                RestoreOnFailure.restoreReason(exited(Map.of("exitCode", 0, "oomKilled", false))));
        // The OOM event comes with an exit event; only the latter triggers, so one failure means one restore.
        assertEquals(Optional.empty(), RestoreOnFailure.restoreReason(
                HydraEvent.of(EventType.CONTAINER_OOM, "node-1", "c0ffee", Map.of("oomKilled", true))));
        assertEquals(Optional.empty(), RestoreOnFailure.restoreReason(
                HydraEvent.of(EventType.CONTAINER_STARTED, "node-1", "c0ffee", Map.of())));
    }

    @Test
    void restoresOnceEvenWhenTheEventComesTwice() {
        java.util.List<String> restored = new java.util.ArrayList<>();
        RestoreOnFailure automation = new RestoreOnFailure(id -> {
            restored.add(id);
            return "version 4";
        });
        HydraEvent failure = exited(Map.of("name", "web-1", "exitCode", 2, "oomKilled", false));

        String plan = automation.handle(failure).orElseThrow();

        assertEquals("restored container web-1 (c0ffee) of node node-1, because it exited with code 2: version 4",
                plan);
        assertEquals(Optional.empty(), automation.handle(failure), "a redelivered event is dropped by id");
        assertEquals(java.util.List.of("c0ffee"), restored);
    }

    @Test
    void aContainerWithoutACheckpointIsReportedNotRestored() {
        RestoreOnFailure automation = new RestoreOnFailure(id -> {
            throw new IllegalStateException("container web-1 has no complete checkpoint");
        });
        String plan = automation.handle(exited(Map.of("name", "web-1", "exitCode", 1, "oomKilled", false)))
                .orElseThrow();
        assertTrue(plan.startsWith("did not restore container web-1"), plan);
        assertTrue(plan.contains("has no complete checkpoint"), plan);
    }
}
