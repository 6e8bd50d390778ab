package io.hydra.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.HydraException;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.scheduler.Scheduler;

class PluginRegistryTest {
    /** A factory whose create is never reached: these tests are about registration. */
    abstract static class NamedFactory implements PluginFactory<Runnable> {
        private final String name;

        NamedFactory(String name) {
            this.name = name;
        }

        @Override
        public Class<Runnable> type() {
            return Runnable.class;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Runnable create(PluginContext context) {
            return () -> { };
        }
    }

    static final class First extends NamedFactory {
        First() {
            super("same");
        }
    }

    static final class Second extends NamedFactory {
        Second() {
            super("same");
        }
    }

    static final class Other extends NamedFactory {
        Other() {
            super("other");
        }
    }

    @Test
    void twoPluginsOfOneTypeWithOneNameAreRefusedNamingBothClasses() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PluginRegistry(List.of(new First(), new Other(), new Second())));
        assertTrue(e.getMessage().contains("'same'"), e.getMessage());
        assertTrue(e.getMessage().contains(First.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains(Second.class.getName()), e.getMessage());
    }

    @Test
    void distinctNamesRegisterAndAnUnknownNameListsTheKnownOnes() {
        PluginRegistry registry = new PluginRegistry(List.of(new First(), new Other()));
        assertEquals(Set.of("same", "other"), registry.names(Runnable.class));
        assertTrue(registry.names(Scheduler.class).isEmpty());
        HydraException e = assertThrows(HydraException.class, () -> registry.create(Runnable.class, "thing", "nope",
                new PluginContext("n", java.nio.file.Path.of("/tmp"), Map.of())));
        assertTrue(e.getMessage().contains("known things are other, same"), e.getMessage());
    }

    @Test
    void thePluginsOnTheClassPathHaveDistinctNames() {
        new PluginRegistry();
    }
}
