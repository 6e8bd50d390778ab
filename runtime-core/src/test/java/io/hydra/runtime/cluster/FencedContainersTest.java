package io.hydra.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FencedContainersTest {
    @TempDir
    Path dir;

    @Test
    void theListSurvivesAReopenAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("cluster").resolve("fenced");
        FencedContainers fenced = new FencedContainers(file);
        fenced.add("a");
        fenced.add("b");
        fenced.remove("a");
        assertEquals(Set.of("b"), new FencedContainers(file).ids());
        fenced.remove("b");
        assertEquals(Set.of(), new FencedContainers(file).ids());
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count());
        }
        assertFalse(Files.exists(file.resolveSibling("fenced.tmp")));
    }
}
