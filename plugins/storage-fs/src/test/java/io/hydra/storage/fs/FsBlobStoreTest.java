package io.hydra.storage.fs;

import io.hydra.spi.storage.testing.BlobStoreContract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.storage.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path temp;
    Path root;
    FsBlobStore store;

    @BeforeEach
    void open() throws IOException {
        root = temp.resolve("store");
        store = new FsBlobStore(root);
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Test
    void blobsAreFilesUnderTheRoot() throws Exception {
        store.put("a/b/c", bytes("abc"), 3, false);
        assertEquals("abc", Files.readString(root.resolve("a/b/c")));
    }

    @Test
    void invalidNamesCreateNothing() throws Exception {
        for (String bad : List.of("../x", "/abs", "a//b", "a/../b", "../../etc/x")) {
            assertThrows(IllegalArgumentException.class, () -> store.put(bad, bytes("x"), 1, false), bad);
            assertThrows(IllegalArgumentException.class, () -> store.put(bad, bytes("x"), 1, true), bad);
        }
        assertEquals(List.of(root.resolve(FsBlobStore.TEMP_DIRECTORY)), entries(root));
        assertEquals(List.of(), entries(root.resolve(FsBlobStore.TEMP_DIRECTORY)));
        assertEquals(List.of(root), entries(temp));
        assertFalse(Files.exists(Path.of("/abs")));
    }

    @Test
    void crashLeftoversAreNeverListedAndAreRemovedOnOpen() throws Exception {
        store.put("real", bytes("1"), 1, false);
        Path leftover = root.resolve(FsBlobStore.TEMP_DIRECTORY).resolve("0b5e1c2a-crashed-put");
        Files.writeString(leftover, "half a blob");

        assertEquals(List.of("real"), names(store.list("")));
        assertThrows(IllegalArgumentException.class, () -> store.stat(".tmp/0b5e1c2a-crashed-put"));
        assertThrows(IllegalArgumentException.class, () -> store.get(".tmp/0b5e1c2a-crashed-put"));

        FsBlobStore reopened = new FsBlobStore(root);
        assertFalse(Files.exists(leftover));
        assertEquals(List.of("real"), names(reopened.list("")));
    }

    @Test
    void failedPutsLeaveNoTemporaryFiles() throws Exception {
        assertThrows(IOException.class, () -> store.put("short", bytes("abc"), 10, false));
        assertThrows(IOException.class, () -> store.put("long", bytes("abcdef"), 3, true));
        store.put("won", bytes("1"), 1, true);
        assertFalse(store.put("won", bytes("2"), 1, true));
        assertEquals(List.of(), entries(root.resolve(FsBlobStore.TEMP_DIRECTORY)));
    }

    @Test
    void blobsArePrivateToTheDaemonUser() throws Exception {
        store.put("secret/memory", bytes("pages"), 5, false);
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(root.resolve("secret/memory"))));
        assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(root.resolve("secret"))));
    }

    @Test
    void aBlobCannotBeBothFileAndDirectory() throws Exception {
        store.put("a", bytes("file"), 4, false);
        IOException under = assertThrows(IOException.class, () -> store.put("a/b", bytes("x"), 1, false));
        assertTrue(under.getMessage().contains("'a' is a blob"), under.getMessage());
        assertTrue(store.stat("a/b").isEmpty());
        assertTrue(store.stat("a/b/c").isEmpty());

        store.put("d/e", bytes("x"), 1, false);
        IOException over = assertThrows(IOException.class, () -> store.put("d", bytes("x"), 1, true));
        assertTrue(over.getMessage().contains("other blobs are named 'd/...'"), over.getMessage());
        assertTrue(store.stat("d").isEmpty());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> store.get("d"));
        store.delete("d");
        assertEquals(List.of("a", "d/e"), names(store.list("")));
    }

    @Test
    void factoryIsFoundByNameAndDefaultsToTheStateDirectory() throws Exception {
        PluginFactory<?> factory = ServiceLoader.load(PluginFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.type() == BlobStore.class && f.name().equals("fs"))
                .findFirst().orElseThrow();
        Path stateDir = temp.resolve("state");
        try (BlobStore created = (BlobStore) factory.create(new PluginContext("node-1", stateDir, Map.of()))) {
            assertEquals("fs", created.name());
            created.put("x", bytes("1"), 1, false);
        }
        assertTrue(Files.isRegularFile(stateDir.resolve("x")));
    }

    @Test
    void factoryTakesTheDirectorySetting() throws Exception {
        Path dir = temp.resolve("elsewhere");
        try (BlobStore created = new FsBlobStoreFactory().create(
                new PluginContext("node-1", temp.resolve("state"), Map.of("dir", dir.toString())))) {
            created.put("x", bytes("1"), 1, false);
        }
        assertTrue(Files.isRegularFile(dir.resolve("x")));
        assertFalse(Files.exists(temp.resolve("state")));
    }

    @Test
    void factoryRefusesUnknownAndEmptySettings() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> new FsBlobStoreFactory()
                .create(new PluginContext("n", temp, Map.of("directory", "/x"))));
        assertTrue(unknown.getMessage().contains("'directory'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("hydra.plugin.storage.fs.directory"), unknown.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> new FsBlobStoreFactory()
                .create(new PluginContext("n", temp, Map.of("dir", " "))));
        assertTrue(empty.getMessage().contains("'dir'"), empty.getMessage());
    }

    @Test
    void factoryReportsAnUnusableDirectory() throws Exception {
        Path file = temp.resolve("a-file");
        Files.writeString(file, "not a directory");
        RuntimeException e = assertThrows(RuntimeException.class, () -> new FsBlobStoreFactory()
                .create(new PluginContext("n", temp, Map.of("dir", file.toString()))));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.sorted().toList();
        }
    }
}
