package io.hydra.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HydraDaemonMainTest {
    @Test
    void conversionErrorsBecomeOneLineNamingTheSetting() {
        String smallrye = "Configuration validation failed:\n\tjava.lang.IllegalArgumentException: SRCFG00039: The"
                + " config property hydra.runtime.timeout with the config value \"soon\" threw an Exception whilst"
                + " being converted Invalid duration: soon\n";
        assertEquals("hydra.runtime.timeout: 'soon' is not valid (Invalid duration: soon): a duration is a number"
                + " with a unit, like 500ms, 30s, 10m or 1h", HydraDaemonMain.readable(smallrye));
    }

    @Test
    void otherMessagesPassUnchanged() {
        assertEquals("hydra.checkpoint.timeout must be a positive duration, not 0 ms",
                HydraDaemonMain.readable("hydra.checkpoint.timeout must be a positive duration, not 0 ms"));
        assertEquals("start-up failed", HydraDaemonMain.readable(null));
    }
}
