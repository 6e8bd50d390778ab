package io.hydra.checkpoint.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class CriuCompatibilityTest {
    @Test
    void criu41OnKernel616OrLaterIsRefusedNamingTheFix() {
        for (String kernel : new String[] {"6.16.0", "6.18.44-fc-v1045", "7.0.1-arch1"}) {
            Optional<String> refusal = CriuCompatibility.refusal("4.1.1", kernel);
            assertTrue(refusal.isPresent(), kernel);
            assertTrue(refusal.get().contains("cannot dump TCP or UDP sockets on kernel " + kernel), refusal.get());
            assertTrue(refusal.get().contains("criu#2718"), refusal.get());
            assertTrue(refusal.get().contains("scripts/setup-host.sh"), refusal.get());
        }
        assertTrue(CriuCompatibility.refusal("4.0", "6.16.3").isPresent());
    }

    @Test
    void criu41OnAnOlderKernelIsFine() {
        assertEquals(Optional.empty(), CriuCompatibility.refusal("4.1.1", "6.15.9"));
        assertEquals(Optional.empty(), CriuCompatibility.refusal("4.1", "6.1.0-28-amd64"));
        assertEquals(Optional.empty(), CriuCompatibility.refusal("4.1.1", "5.10.0"));
    }

    @Test
    void criu42AndLaterWorkEverywhere() {
        assertEquals(Optional.empty(), CriuCompatibility.refusal("4.2.1", "6.18.44-fc-v1045"));
        assertEquals(Optional.empty(), CriuCompatibility.refusal("4.2", "6.16.0"));
        assertEquals(Optional.empty(), CriuCompatibility.refusal("5.0", "7.1.0"));
    }

    @Test
    void criu3IsRefusedOnAnyKernel() {
        Optional<String> refusal = CriuCompatibility.refusal("3.17", "6.1.0");
        assertTrue(refusal.isPresent() && refusal.get().contains("too old")
                && refusal.get().contains("scripts/setup-host.sh"), String.valueOf(refusal));
    }

    /** A kernel release we cannot read: assume the worst for an old CRIU rather than fail at the first dump. */
    @Test
    void unreadableKernelCountsAsNew() {
        assertTrue(CriuCompatibility.refusal("4.1.1", "unknown").isPresent());
        assertEquals(Optional.empty(), CriuCompatibility.refusal("4.2.1", "unknown"));
    }

    @Test
    void unreadableCriuVersionIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> CriuCompatibility.refusal("dev", "6.18.0"));
    }
}
