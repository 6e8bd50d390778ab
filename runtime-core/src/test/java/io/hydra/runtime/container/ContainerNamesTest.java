package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.hydra.runtime.HydraException;

class ContainerNamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"web", "web-1", "a.b_c", "9lives", "A"})
    void acceptsOrdinaryNames(String name) {
        assertDoesNotThrow(() -> ContainerNames.validate(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/b", "..", "a..b", ".hidden", "-flag", "sp ace", "tab\t", "nul\0", "é"})
    void rejectsNamesThatCouldEscapeOrConfuse(String name) {
        HydraException e = assertThrows(HydraException.class, () -> ContainerNames.validate(name));
        assertTrue(e.getMessage().contains("is invalid"), e.getMessage());
    }

    @Test
    void boundsTheLength() {
        assertDoesNotThrow(() -> ContainerNames.validate("x".repeat(128)));
        assertThrows(HydraException.class, () -> ContainerNames.validate("x".repeat(129)));
        assertThrows(HydraException.class, () -> ContainerNames.validate(""));
        assertThrows(HydraException.class, () -> ContainerNames.validate(null));
    }
}
