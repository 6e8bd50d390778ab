package io.hydra.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.registry.RegistryClient;
import io.hydra.runtime.image.registry.RegistryCredentials;
import io.hydra.runtime.image.store.ImageStore;
import io.hydra.storage.fs.FsBlobStore;

/** The image service on a real fs blob store, with layouts written here byte by byte. */
class ImageServiceTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;
    FsBlobStore blobs;
    Set<String> inUse = new HashSet<>();
    List<HydraEvent> events = new ArrayList<>();
    ImageService service;

    @BeforeEach
    void setUp() throws Exception {
        blobs = new FsBlobStore(dir.resolve("store"));
        service = service(Optional.of(KEY));
    }

    private ImageService service(Optional<byte[]> key) {
        return service(key, "node-1", Duration.ZERO);
    }

    /** A node of the same store; its registry client gives up on a blob idle for {@link #IDLE}. */
    private ImageService service(Optional<byte[]> key, String node, Duration grace) {
        Set<String> insecure = registry != null ? Set.of(registry.host()) : Set.of();
        return new ImageService(new ImageStore(blobs, key), new RegistryClient(insecure, RegistryCredentials::none, IDLE),
                dir.resolve("work-" + node), inUse::contains, events::add, node, grace, clock);
    }

    static final Duration IDLE = Duration.ofSeconds(2);
    TestRegistry registry;
    final MutableClock clock = new MutableClock();

    static final class MutableClock extends Clock {
        volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @AfterEach
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    /** An OCI layout with one image of one uncompressed layer holding {@code file}. */
    Path layout(String name, String tag, String file, boolean corruptLayer) throws Exception {
        Path l = Files.createDirectories(dir.resolve(name));
        Path blobsDir = Files.createDirectories(l.resolve("blobs/sha256"));
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(tar)) {
            byte[] content = ("content of " + file).getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(file);
            e.setSize(content.length);
            // a fixed time: two layouts of the same file must be the same image, even a second apart
            e.setModTime(0);
            t.putArchiveEntry(e);
            t.write(content);
            t.closeArchiveEntry();
        }
        byte[] layer = tar.toByteArray();
        String layerDigest = Digests.of(layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{"
                + "\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + Digests.of(config) + "\",\"size\":"
                + config.length + "},\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER + "\",\"digest\":\""
                + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        if (corruptLayer) {
            layer[layer.length - 600] ^= 1;
        }
        for (byte[] b : List.of(layer, config, manifest)) {
            Files.write(blobsDir.resolve(Digests.hex(b == layer && corruptLayer ? layerDigest : Digests.of(b))), b);
        }
        Files.writeString(l.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(l.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + Digests.of(manifest) + "\",\"size\":"
                + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
        return l;
    }

    private Set<String> storedBlobs() throws Exception {
        Path d = dir.resolve("store/images/blobs/sha256");
        if (!Files.isDirectory(d)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void importedImagesResolveByRefAndByDigest() throws Exception {
        PullSummary s = service.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE).get(0);
        assertEquals("docker.io/library/app:1.0", s.ref());
        StoredImage byRef = service.store().resolve("app:1.0");
        assertEquals(s.manifestDigest(), byRef.manifestDigest());
        assertEquals(List.of("sh"), byRef.config().cmd());
        assertEquals(1, byRef.layers().size());
        StoredImage byDigest = service.store().byManifestDigest(s.manifestDigest());
        assertEquals(byRef.layers(), byDigest.layers());
        try (var in = new VerifyingInputStream(service.store().openLayer(byRef.layers().get(0)),
                byRef.layers().get(0).digest(), byRef.layers().get(0).size(), "layer")) {
            assertEquals(byRef.layers().get(0).size(), in.readAllBytes().length);
        }
        assertEquals(io.hydra.events.EventType.IMAGE_PULLED, events.get(0).type());
        HydraException e = assertThrows(HydraException.class, () -> service.store().resolve("app:2.0"));
        assertEquals(HydraException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("hydra pull"), e.getMessage());
    }

    @Test
    void anImageInUseIsNotRemovedWithoutForceAndKeepsItsBlobsWithIt() throws Exception {
        PullSummary s = service.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE).get(0);
        Set<String> blobsOfIt = storedBlobs();
        assertEquals(3, blobsOfIt.size());
        inUse.add(s.manifestDigest());
        HydraException e = assertThrows(HydraException.class, () -> service.remove("app:1.0", false));
        assertEquals(HydraException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("used by a container") && e.getMessage().contains("-f"), e.getMessage());

        ImageService.Removed forced = service.remove("app:1.0", true);
        assertTrue(forced.keptForContainers());
        assertEquals(blobsOfIt, storedBlobs(), "a container's image keeps its blobs");
        String byDigest = "docker.io/library/app@" + s.manifestDigest();
        assertEquals(List.of(byDigest), service.list().stream().map(StoredImage::ref).toList());

        inUse.clear();
        ImageService.Removed last = service.remove(byDigest, false);
        assertEquals(3, last.blobsDeleted());
        assertEquals(Set.of(), storedBlobs());
        assertEquals(List.of(), service.list());
    }

    @Test
    void removingOneRefKeepsBlobsAnotherUses() throws Exception {
        service.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE);
        service.importImages(layout("app2", "1.0", "hello", false), ImageProgress.NONE);
        // same content, same digests: two refs, one manifest
        ImageService.Removed r = service.remove("app:1.0", false);
        assertEquals(0, r.blobsDeleted());
        assertEquals(3, storedBlobs().size());
        service.importImages(layout("other", "1", "other-file", false), ImageProgress.NONE);
        assertEquals(6, storedBlobs().size());
        assertEquals(3, service.remove("other:1", false).blobsDeleted());
        assertEquals(3, storedBlobs().size());
    }

    @Test
    void aLayerThatDoesNotMatchItsDigestIsRefusedAndNothingIsStored() throws Exception {
        HydraException e = assertThrows(HydraException.class, () -> service.importImages(
                layout("bad", "1", "hello", true), ImageProgress.NONE));
        assertTrue(e.getMessage().contains("does not match its digest"), e.getMessage());
        assertTrue(e.getMessage().contains("docker.io/library/bad:1") && e.getMessage().contains("layer sha256:"),
                e.getMessage());
        assertEquals(Set.of(), storedBlobs());
        assertEquals(List.of(), service.list());
    }

    @Test
    void storageIsNotTrustedARefRecordWithoutAValidMacIsRefused() throws Exception {
        PullSummary good = service.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE).get(0);
        PullSummary other = service.importImages(layout("evil", "1", "payload", false), ImageProgress.NONE).get(0);
        Path refDir = dir.resolve("store/images/refs");
        Path appRecord;
        try (Stream<Path> s = Files.list(refDir)) {
            appRecord = s.filter(p -> {
                try {
                    return Files.readString(p).contains("app:1.0");
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            }).findFirst().orElseThrow();
        }
        // someone with write access to the bucket points app:1.0 at another image, keeping the old MAC
        Files.writeString(appRecord, Files.readString(appRecord).replace(good.manifestDigest(), other.manifestDigest()));
        HydraException e = assertThrows(HydraException.class, () -> service.store().resolve("app:1.0"));
        assertTrue(e.getMessage().contains("MAC"), e.getMessage());
        assertFalse(service.list().stream().anyMatch(i -> "docker.io/library/app:1.0".equals(i.ref())));
        // a daemon with another key trusts none of them
        ImageService stranger = service(Optional.of("another key, also 32 bytes long!".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(), stranger.list());
    }

    @Test
    void aCorruptBlobInTheStoreIsReportedNamingIt() throws Exception {
        PullSummary s = service.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE).get(0);
        Path manifest = dir.resolve("store/images/blobs/sha256").resolve(Digests.hex(s.manifestDigest()));
        Files.writeString(manifest, "{\"schemaVersion\":2}");
        HydraException e = assertThrows(HydraException.class,
                () -> service.store().byManifestDigest(s.manifestDigest()));
        assertTrue(e.getMessage().contains(s.manifestDigest()) && e.getMessage().contains("corrupt"), e.getMessage());
    }

    private boolean stored(String digest) throws Exception {
        return storedBlobs().contains(Digests.hex(digest));
    }

    @Test
    void anImagePinnedByAnotherNodeIsNotRemovedAndForcedKeepsItsBlobsUntilUnpinned() throws Exception {
        PullSummary s = service.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE).get(0);
        ImageService nodeB = service(Optional.of(KEY), "node-2", Duration.ZERO);
        nodeB.pin(s.manifestDigest(), "node-2.c0ffee");
        nodeB.pin(s.manifestDigest(), "checkpoint.c0ffee");
        HydraException e = assertThrows(HydraException.class, () -> service.remove("app:1.0", false));
        assertEquals(HydraException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("node-2.c0ffee") && e.getMessage().contains("checkpoint.c0ffee"),
                e.getMessage());

        ImageService.Removed forced = service.remove("app:1.0", true);
        assertEquals(0, forced.blobsDeleted());
        assertEquals(List.of(), service.list(), "-f removes the ref");
        assertEquals(3, storedBlobs().size(), "the blobs stay while pinned");
        assertEquals(s.manifestDigest(), nodeB.store().byManifestDigest(s.manifestDigest()).manifestDigest());
        assertEquals(0, service.collectGarbage());

        nodeB.unpin(s.manifestDigest(), "node-2.c0ffee");
        assertEquals(0, service.collectGarbage(), "one pin is left");
        nodeB.unpin(s.manifestDigest(), "checkpoint.c0ffee");
        assertEquals(3, service.collectGarbage());
        assertEquals(Set.of(), storedBlobs());
    }

    @Test
    void removingOneOfTwoRefsOfAPinnedImageIsAnUntagAndTheLastRefIsStillRefused() throws Exception {
        PullSummary s = service.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE).get(0);
        service.importImages(layout("app2", "1.0", "hello", false), ImageProgress.NONE);
        service.pin(s.manifestDigest(), "node-1.c1");
        ImageService.Removed untagged = service.remove("app:1.0", false);
        assertEquals(0, untagged.blobsDeleted());
        assertTrue(!untagged.keptForContainers(), "an untag keeps nothing by digest");
        assertEquals(List.of("docker.io/library/app2:1.0"), service.list().stream().map(StoredImage::ref).toList());
        HydraException e = assertThrows(HydraException.class, () -> service.remove("app2:1.0", false));
        assertTrue(e.getMessage().contains("node-1.c1"), e.getMessage());
        assertEquals(3, storedBlobs().size());
    }

    @Test
    void aPinNeedsTheImageAndAPlainOwnerName() throws Exception {
        String missing = "sha256:" + "a".repeat(64);
        HydraException e = assertThrows(HydraException.class, () -> service.pin(missing, "node-1.c1"));
        assertEquals(HydraException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains(missing), e.getMessage());
        assertFalse(Files.exists(dir.resolve("store/images/pins/" + "a".repeat(64) + "/node-1.c1")),
                "no pin is left behind");
        PullSummary s = service.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE).get(0);
        for (String bad : List.of("../x", "a/b", ".hidden", "")) {
            HydraException b = assertThrows(HydraException.class, () -> service.pin(s.manifestDigest(), bad));
            assertEquals(HydraException.Kind.INVALID, b.kind(), bad);
        }
    }

    @Test
    void removedBlobsAreDeletedOnlyAfterTheGracePeriod() throws Exception {
        ImageService graced = service(Optional.of(KEY), "node-1", Duration.ofHours(1));
        graced.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE);
        assertEquals(0, graced.remove("app:1.0", false).blobsDeleted());
        assertEquals(3, storedBlobs().size(), "only candidates yet");
        clock.now = clock.now.plus(Duration.ofMinutes(59));
        assertEquals(0, graced.collectGarbage());
        clock.now = clock.now.plus(Duration.ofMinutes(2));
        assertEquals(3, graced.collectGarbage());
        assertEquals(Set.of(), storedBlobs());
    }

    @Test
    void aPullOfAnotherPlatformsImageIsRefusedBeforeItsLayers() throws Exception {
        registry = new TestRegistry();
        byte[] layer = TestRegistry.layer("bin/arm", "arm code");
        TestRegistry.Image arm = TestRegistry.image("linux", "arm64", layer);
        registry.push("arm", "1", arm);
        ImageService node = service(Optional.of(KEY), "node-1", Duration.ZERO);
        HydraException e = assertThrows(HydraException.class,
                () -> node.pull(registry.host() + "/arm:1", true, ImageProgress.NONE));
        assertTrue(e.getMessage().contains("linux/arm64") && e.getMessage().contains("amd64"), e.getMessage());
        assertFalse(stored(arm.layerDigest(0)), "its layer was not fetched");
        assertEquals(Set.of(), storedBlobs(), "the config it fetched is collected");
        assertEquals(List.of(), node.list());
    }

    @Test
    void aStalledBlobFailsThePullAndHoldsNoLockMeanwhile() throws Exception {
        registry = new TestRegistry();
        TestRegistry.Image img = TestRegistry.image("linux", "amd64", TestRegistry.layer("big", "x".repeat(100_000)));
        registry.push("stall", "1", img);
        TestRegistry.Hold hold = registry.hold(img.layerDigest(0));
        ImageService node = service(Optional.of(KEY), "node-1", Duration.ZERO);
        CompletableFuture<PullSummary> pull = CompletableFuture.supplyAsync(
                () -> node.pull(registry.host() + "/stall:1", true, ImageProgress.NONE));
        assertTrue(hold.requested.await(30, TimeUnit.SECONDS));
        // the same node's other image changes go on while the pull waits for bytes
        CompletableFuture<List<PullSummary>> other = CompletableFuture.supplyAsync(() -> {
            try {
                return node.importImages(layout("app", "1.0", "hello", false), ImageProgress.NONE);
            } catch (Exception ex) {
                throw new RuntimeException(ex);
            }
        });
        assertEquals(1, other.get(IDLE.toSeconds() / 2 + 1, TimeUnit.SECONDS).size());
        ExecutionException e = assertThrows(ExecutionException.class, () -> pull.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("idle timeout")
                && e.getCause().getMessage().contains(img.layerDigest(0)), e.getCause().getMessage());
        assertFalse(stored(img.layerDigest(0)));
        assertFalse(stored(Digests.of(img.config())), "the rolled-back config is collected");
        assertEquals(List.of("docker.io/library/app:1.0"), node.list().stream().map(StoredImage::ref).toList());
    }

    @Test
    void aPullsRollbackDoesNotDeleteABlobAConcurrentPullReliesOn() throws Exception {
        registry = new TestRegistry();
        byte[] shared = TestRegistry.layer("shared", "shared layer");
        TestRegistry.Image first = TestRegistry.image("linux", "amd64", shared,
                TestRegistry.layer("bad", "y".repeat(50_000)));
        TestRegistry.Image second = TestRegistry.image("linux", "amd64", shared,
                TestRegistry.layer("slow", "z".repeat(50_000)));
        registry.push("first", "1", first);
        registry.push("second", "1", second);
        TestRegistry.Hold badLayer = registry.hold(first.layerDigest(1));
        TestRegistry.Hold slowLayer = registry.hold(second.layerDigest(1));
        ImageService nodeA = service(Optional.of(KEY), "node-a", Duration.ofMinutes(10));
        ImageService nodeB = service(Optional.of(KEY), "node-b", Duration.ofMinutes(10));

        // A writes the shared layer, then waits on its second one
        CompletableFuture<PullSummary> pullA = CompletableFuture.supplyAsync(
                () -> nodeA.pull(registry.host() + "/first:1", true, ImageProgress.NONE));
        assertTrue(badLayer.requested.await(30, TimeUnit.SECONDS));
        assertTrue(stored(shared.length > 0 ? Digests.of(shared) : null));
        // B finds the shared layer present, skips it, and waits on its own second layer
        CompletableFuture<PullSummary> pullB = CompletableFuture.supplyAsync(
                () -> nodeB.pull(registry.host() + "/second:1", true, ImageProgress.NONE));
        assertTrue(slowLayer.requested.await(30, TimeUnit.SECONDS));
        // A's second layer arrives corrupt: A rolls back while B has no ref yet
        badLayer.release(true);
        ExecutionException e = assertThrows(ExecutionException.class, () -> pullA.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("does not match its digest"), e.getCause().getMessage());
        assertTrue(stored(Digests.of(shared)), "the rollback only made the shared layer a candidate");
        slowLayer.release(false);
        PullSummary b = pullB.get(30, TimeUnit.SECONDS);

        clock.now = clock.now.plus(Duration.ofHours(1));
        assertTrue(nodeA.collectGarbage() >= 1, "A's own layer and config go");
        assertFalse(stored(first.layerDigest(1)));
        StoredImage image = nodeB.store().resolve(registry.host() + "/second:1");
        assertEquals(b.manifestDigest(), image.manifestDigest());
        for (LayerDescriptor l : image.layers()) {
            try (var in = new VerifyingInputStream(nodeB.store().openLayer(l), l.digest(), l.size(), "layer")) {
                assertEquals(l.size(), in.readAllBytes().length, "B's ref names only blobs that are there");
            }
        }
    }
}
