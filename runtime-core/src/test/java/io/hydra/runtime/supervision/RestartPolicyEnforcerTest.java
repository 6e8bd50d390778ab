package io.hydra.runtime.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

/** Which exits a policy restarts, and after how long. */
class RestartPolicyEnforcerTest {
    private static ContainerRecord exited(String policy, Integer code, int restarts, boolean manual, Duration ran) {
        Instant end = Instant.parse("2026-01-01T00:01:00Z");
        RunOptions o = new RunOptions(null, null, Map.of(), RestartPolicy.parse(policy), false, false, manual);
        return new ContainerRecord("id", "n", ContainerStatus.exited, "eager", null, Path.of("/c"), Path.of("/c/b"),
                null, List.of("sh"), false, 1, code, null, false, null, "node", end.minus(ran), end.minus(ran), end,
                restarts, o);
    }

    @Test
    void onFailureRestartsFailuresUpToItsCountAndAlwaysRestartsAnyExit() {
        Duration s = Duration.ofSeconds(1);
        assertTrue(RestartPolicyEnforcer.shouldRestart(exited("on-failure:3", 1, 2, false, s)));
        assertFalse(RestartPolicyEnforcer.shouldRestart(exited("on-failure:3", 1, 3, false, s)), "gives up after 3");
        assertFalse(RestartPolicyEnforcer.shouldRestart(exited("on-failure:3", 0, 0, false, s)), "success is final");
        assertTrue(RestartPolicyEnforcer.shouldRestart(exited("on-failure:3", null, 0, false, s)), "lost status");
        assertTrue(RestartPolicyEnforcer.shouldRestart(exited("on-failure", 1, 500, false, s)), "no limit");
        assertTrue(RestartPolicyEnforcer.shouldRestart(exited("always", 0, 7, false, s)));
        assertFalse(RestartPolicyEnforcer.shouldRestart(exited("always", 137, 0, true, s)), "a user stopped it");
        assertFalse(RestartPolicyEnforcer.shouldRestart(exited("no", 1, 0, false, s)));
    }

    @Test
    void theBackoffDoublesIsCappedAndStartsOverAfterASteadyRun() {
        Duration shortRun = Duration.ofSeconds(1);
        assertEquals(Duration.ofMillis(100), RestartPolicyEnforcer.delay(exited("always", 1, 0, false, shortRun)));
        assertEquals(Duration.ofMillis(800), RestartPolicyEnforcer.delay(exited("always", 1, 3, false, shortRun)));
        assertEquals(Duration.ofSeconds(30), RestartPolicyEnforcer.delay(exited("always", 1, 12, false, shortRun)));
        assertEquals(Duration.ofSeconds(30), RestartPolicyEnforcer.delay(exited("always", 1, 5000, false, shortRun)));
        assertEquals(Duration.ofMillis(100),
                RestartPolicyEnforcer.delay(exited("always", 1, 12, false, Duration.ofSeconds(11))));
    }
}
