package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ImageConfig;
import io.hydra.runtime.image.ImageSource;
import io.hydra.runtime.image.LayerDescriptor;
import io.hydra.runtime.image.StoredImage;
import io.hydra.runtime.image.layer.LayerCache;
import io.hydra.runtime.image.layer.LayerUnpacker;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;
import io.hydra.runtime.state.StateStore;

/** Which cached layers go: those of no stored image and no container of this node, and none when in doubt. */
class UnusedLayersTest {
    @TempDir
    Path dir;

    private static String hex(char c) {
        return String.valueOf(c).repeat(64);
    }

    private static StoredImage image(char digest, char... layers) {
        List<LayerDescriptor> descriptors = new java.util.ArrayList<>();
        for (char l : layers) {
            descriptors.add(new LayerDescriptor("sha256:" + hex(Character.toUpperCase(l)).toLowerCase(),
                    "application/vnd.oci.image.layer.v1.tar", 1, "sha256:" + hex(l)));
        }
        return new StoredImage(null, "sha256:" + hex(digest), "sha256:" + hex('f'),
                new ImageConfig(null, List.of("sh"), null, null, null, null, null, null), descriptors, 1,
                Instant.EPOCH);
    }

    private Set<String> cached(LayerCache cache) {
        return new TreeSet<>(cache.cached());
    }

    @Test
    void layersOfStoredImagesAndOfContainersStayTheRestGo() throws Exception {
        StoredImage stored = image('1', 'a', 'b');
        StoredImage usedOnly = image('2', 'c');
        LayerCache cache = new LayerCache(dir, layer -> {
            throw new AssertionError("nothing is unpacked here");
        }, new LayerUnpacker());
        for (char l : new char[] {'a', 'b', 'c', 'd'}) {
            Files.createDirectories(cache.dir().resolve(hex(l)));
        }
        try (StateStore store = new StateStore(dir.resolve("state.db"))) {
            Path containerDir = dir.resolve("containers/x");
            // a container of an image no longer stored (rmi -f): its layers stay while it exists
            store.commit(StateStore.Change.put(new ContainerRecord("x", "x", ContainerStatus.exited, "eager", null,
                    containerDir, containerDir.resolve("bundle"), null, List.of("sh"), false, 0, 0, null, false, null,
                    "node", Instant.EPOCH, null, null, 0, new RunOptions("r", usedOnly.manifestDigest(), Map.of(),
                    RestartPolicy.NO, false, false))));
            ImageSource source = new ImageSource() {
                @Override
                public StoredImage resolve(String ref) {
                    throw new AssertionError();
                }

                @Override
                public StoredImage byManifestDigest(String digest) {
                    if (digest.equals(usedOnly.manifestDigest())) {
                        return usedOnly;
                    }
                    throw HydraException.notFound("no image " + digest);
                }
            };
            UnusedLayers unused = new UnusedLayers(store, source, () -> List.of(stored), cache, Runnable::run);
            assertEquals(Set.of("sha256:" + hex('d')), unused.collect());
            assertEquals(Set.of("sha256:" + hex('a'), "sha256:" + hex('b'), "sha256:" + hex('c')), cached(cache));

            // the images cannot be listed (storage down): nothing is removed
            UnusedLayers blind = new UnusedLayers(store, source, () -> {
                throw HydraException.failed("bucket unreachable");
            }, cache, Runnable::run);
            assertEquals(Set.of(), blind.collect());
            assertEquals(3, cached(cache).size());

            // once the container is gone, only the stored image's layers stay
            store.commit(StateStore.Change.delete("x"));
            unused.collectSoon();
            assertEquals(Set.of("sha256:" + hex('a'), "sha256:" + hex('b')), cached(cache));
        }
    }
}
