package io.hydra.runtime.image.layer;

import io.hydra.runtime.image.LayerDescriptor;
import io.hydra.runtime.image.StoredImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerCacheTest {
    @TempDir
    Path tmp;

    @Test
    void twoConcurrentRequestsUnpackALayerOnce() throws Exception {
        TestLayer.Blobs blobs = new TestLayer.Blobs(tmp.resolve("blobs"));
        LayerDescriptor layer = blobs.put(new TestLayer().file("big", "b".repeat(2_000_000)), TestLayer.Compression.GZIP);
        StoredImage image = TestLayer.image("test/once:1", layer);
        CountDownLatch bothAsked = new CountDownLatch(2);
        AtomicInteger opens = new AtomicInteger();
        // each request counts itself in before the cache is asked; the first open waits until both have asked,
        // so the second request is certainly in flight while the first one unpacks
        LayerCache.BlobOpener opener = descriptor -> {
            opens.incrementAndGet();
            try {
                assertTrue(bothAsked.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return blobs.open(descriptor);
        };
        LayerCache cache = new LayerCache(tmp.resolve("root"), opener, new LayerUnpacker());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                results.add(pool.submit(() -> {
                    bothAsked.countDown();
                    return cache.layer(image, layer);
                }));
            }
            Path first = results.get(0).get(60, TimeUnit.SECONDS);
            Path second = results.get(1).get(60, TimeUnit.SECONDS);
            assertEquals(first, second);
            assertEquals(1, opens.get(), "unpacked once");
            assertEquals(2_000_000, Files.size(first.resolve("big")));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void staleStagingAndRemovalDirsAreRemovedWhenTheCacheOpens() throws Exception {
        Path layers = Files.createDirectories(tmp.resolve("root/layers"));
        Path staging = Files.createDirectories(layers.resolve(".staging-" + "a".repeat(64) + "-x/usr/bin"));
        Files.writeString(staging.resolve("half"), "half-written");
        Files.createSymbolicLink(layers.resolve(".staging-" + "a".repeat(64) + "-x/escape"), Path.of("/etc"));
        Path removing = Files.createDirectories(layers.resolve(".removing-" + "b".repeat(64) + "-y"));
        Path complete = Files.createDirectories(layers.resolve("c".repeat(64)));
        new LayerCache(tmp.resolve("root"), descriptor -> InputStream.nullInputStream(), new LayerUnpacker());
        assertFalse(Files.exists(layers.resolve(".staging-" + "a".repeat(64) + "-x")));
        assertFalse(Files.exists(removing));
        assertTrue(Files.isDirectory(complete), "complete layers stay");
        assertTrue(Files.exists(Path.of("/etc/passwd")), "a symlink is removed, not followed");
    }

    @Test
    void gcRemovesOnlyLayersNoOneUses() throws Exception {
        TestLayer.Blobs blobs = new TestLayer.Blobs(tmp.resolve("blobs"));
        LayerDescriptor base = blobs.put(new TestLayer().file("base", "1"), TestLayer.Compression.GZIP);
        LayerDescriptor top = blobs.put(new TestLayer().file("top", "2"), TestLayer.Compression.ZSTD);
        LayerDescriptor other = blobs.put(new TestLayer().file("other", "3"), TestLayer.Compression.NONE);
        LayerCache cache = new LayerCache(tmp.resolve("root"), blobs, new LayerUnpacker());
        StoredImage kept = TestLayer.image("test/kept:1", base, top);
        StoredImage dropped = TestLayer.image("test/dropped:1", base, other);
        for (StoredImage image : List.of(kept, dropped)) {
            image.layers().forEach(layer -> cache.layer(image, layer));
        }
        assertEquals(Set.of(base.diffId(), top.diffId(), other.diffId()), cache.cached());

        Set<String> removed = cache.gc(LayerCache.diffIdsOf(List.of(kept)));

        assertEquals(Set.of(other.diffId()), removed);
        assertEquals(Set.of(base.diffId(), top.diffId()), cache.cached());
        assertFalse(Files.exists(cache.dir().resolve(other.diffId().substring(7))));
        try (var entries = Files.list(cache.dir())) {
            assertEquals(2, entries.count(), "no removal dir left");
        }
        // a removed layer is unpacked again when an image needs it
        assertTrue(Files.isRegularFile(cache.layer(dropped, other).resolve("other")));
    }
}
