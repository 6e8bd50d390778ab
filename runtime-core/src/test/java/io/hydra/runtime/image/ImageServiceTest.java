package io.hydra.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
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
        return new ImageService(new ImageStore(blobs, key), new RegistryClient(Set.of(), RegistryCredentials::none),
                dir.resolve("work"), inUse::contains, events::add, "node-1");
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
}
