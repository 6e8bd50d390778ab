package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.LayerDescriptor;
import io.hydra.runtime.image.StoredImage;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unpacking real layer tars into the cache, as root: what is kept, and every attack refused leaving nothing. */
class LayerUnpackerTest {
    @TempDir
    Path tmp;
    TestLayer.Blobs blobs;
    LayerCache cache;

    @BeforeEach
    void open() {
        blobs = new TestLayer.Blobs(tmp.resolve("blobs"));
        cache = new LayerCache(tmp.resolve("root"), blobs, new LayerUnpacker());
    }

    @ParameterizedTest
    @EnumSource(TestLayer.Compression.class)
    void unpacksFilesDirsLinksOwnersModesMtimesAndXattrs(TestLayer.Compression compression) throws Exception {
        byte[] capability = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        TestLayer layer = new TestLayer()
                .dir("bin", 0755)
                .file("bin/busybox", "#!busybox", 04755, 0, 0)
                .symlink("bin/sh", "/bin/busybox")
                .symlink("bin/rel", "busybox")
                .hardLink("bin/ls", "bin/busybox")
                .dir("home/app", 0700)
                .file("home/app/data", "hello", 0640, 1000, 1001)
                .fifo("run.fifo")
                .fileWithPax("xattrs", "x", Map.of(
                        "SCHILY.xattr.user.comment", "kept",
                        "LIBARCHIVE.xattr.security.capability", Base64.getEncoder().encodeToString(capability),
                        "SCHILY.xattr.security.selinux", "system_u:object_r:bin_t:s0"));
        LayerDescriptor descriptor = blobs.put(layer, compression);
        Path dir = cache.layer(TestLayer.image("test/unpack:1", descriptor), descriptor);

        assertEquals(dir, cache.dir().resolve(descriptor.diffId().substring(7)));
        assertEquals("#!busybox", Files.readString(dir.resolve("bin/busybox")));
        assertEquals(04755, mode(dir.resolve("bin/busybox")), "setuid kept");
        assertEquals(Path.of("/bin/busybox"), Files.readSymbolicLink(dir.resolve("bin/sh")), "absolute symlink kept as is");
        assertEquals(Path.of("busybox"), Files.readSymbolicLink(dir.resolve("bin/rel")));
        assertEquals(Files.getAttribute(dir.resolve("bin/busybox"), "unix:ino"), Files.getAttribute(dir.resolve("bin/ls"), "unix:ino"));
        assertEquals(0700, mode(dir.resolve("home/app")));
        assertEquals(0755, mode(dir.resolve("home")), "implicit parent dir");
        assertEquals(0640, mode(dir.resolve("home/app/data")));
        assertEquals(1000, Files.getAttribute(dir.resolve("home/app/data"), "unix:uid"));
        assertEquals(1001, Files.getAttribute(dir.resolve("home/app/data"), "unix:gid"));
        assertEquals(0010640, (int) (Integer) Files.getAttribute(dir.resolve("run.fifo"), "unix:mode", LinkOption.NOFOLLOW_LINKS));
        assertEquals(TestLayer.MTIME, Files.getLastModifiedTime(dir.resolve("home/app/data")));
        assertEquals(TestLayer.MTIME, Files.getLastModifiedTime(dir.resolve("bin/sh"), LinkOption.NOFOLLOW_LINKS), "symlink's own mtime");
        assertEquals(TestLayer.MTIME, Files.getLastModifiedTime(dir.resolve("home/app")), "dir mtime set after its children");
        assertArrayEquals("kept".getBytes(StandardCharsets.UTF_8), Xattrs.get(dir.resolve("xattrs"), "user.comment"));
        assertArrayEquals(capability, Xattrs.get(dir.resolve("xattrs"), "security.capability"));
        assertNull(Xattrs.get(dir.resolve("xattrs"), "security.selinux"), "host labels dropped");
    }

    @Test
    void whiteoutsBecomeCharDevicesAndOpaqueMarkersAnXattr() throws Exception {
        TestLayer layer = new TestLayer().dir("etc", 0755).whiteout("etc/motd").opaque("var/cache");
        LayerDescriptor descriptor = blobs.put(layer, TestLayer.Compression.GZIP);
        Path dir = cache.layer(TestLayer.image("test/wh:1", descriptor), descriptor);
        int mode = (Integer) Files.getAttribute(dir.resolve("etc/motd"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertEquals(0020000, mode & 0170000, "a char device");
        assertEquals(0L, Files.getAttribute(dir.resolve("etc/motd"), "unix:rdev", LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(dir.resolve("etc/.wh.motd"), LinkOption.NOFOLLOW_LINKS));
        assertArrayEquals(new byte[]{'y'}, Xattrs.get(dir.resolve("var/cache"), Xattrs.OPAQUE));
    }

    @Test
    void refusesParentPaths() {
        refused(new TestLayer().file("../escape", "x"), "../escape", "'..'");
        refused(new TestLayer().file("ok/../../escape", "x"), "ok/../../escape", "'..'");
    }

    @Test
    void refusesAbsolutePaths() {
        refused(new TestLayer().file("/tmp/hydra-escape-" + UUID.randomUUID(), "x"), "/tmp/hydra-escape-", "absolute path");
    }

    @Test
    void refusesWritingThroughASymlinkToTheRoot() {
        String name = "hydra-escape-" + UUID.randomUUID();
        refused(new TestLayer().symlink("link", "/").file("link/tmp/" + name, "x"), "link/tmp/" + name, "symlink 'link'");
        assertFalse(Files.exists(Path.of("/tmp", name)));
    }

    @Test
    void refusesWritingThroughASymlinkToAnAbsoluteDir() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        refused(new TestLayer().dir("a", 0755).symlink("a/etc", outside.toString()).file("a/etc/passwd", "root::0:0"),
                "a/etc/passwd", "symlink 'a/etc'");
        try (var entries = Files.list(outside)) {
            assertEquals(0, entries.count());
        }
    }

    @Test
    void refusesHardLinksOutOfTheLayer() {
        refused(new TestLayer().hardLink("passwd", "/etc/passwd"), "passwd", "absolute path");
        refused(new TestLayer().hardLink("x", "../x"), "'x'", "'..'");
        refused(new TestLayer().hardLink("x", "missing"), "'x'", "not an entry of this layer");
        refused(new TestLayer().symlink("etc", "/etc").hardLink("passwd", "etc/passwd"), "passwd", "symlink 'etc'");
    }

    @Test
    void refusesDeviceNodes() {
        refused(new TestLayer().device("dev/null", TarConstants.LF_CHR), "dev/null", "character device");
        refused(new TestLayer().device("dev/sda", TarConstants.LF_BLK), "dev/sda", "block device");
    }

    @Test
    void refusesOverlayXattrs() {
        refused(new TestLayer().fileWithPax("f", "x", Map.of("SCHILY.xattr.trusted.overlay.opaque", "y")), "'f'",
                "trusted.overlay.opaque is not allowed");
    }

    @Test
    void refusesABlobWhoseDigestDoesNotMatch() {
        byte[] tar = new TestLayer().file("f", "x").tarBytes();
        byte[] blob = TestLayer.compress(tar, TestLayer.Compression.GZIP);
        LayerDescriptor honest = blobs.put(blob, TestLayer.mediaType(TestLayer.Compression.GZIP), TestLayer.sha256(tar));
        LayerDescriptor lying = new LayerDescriptor(TestLayer.sha256("other".getBytes()), honest.mediaType(), honest.size(), honest.diffId());
        // the opener finds the blob by the lying digest, as a corrupted store would hand it out
        LayerCache.BlobOpener opener = layer -> blobs.open(honest);
        LayerCache corrupt = new LayerCache(tmp.resolve("root"), opener, new LayerUnpacker());
        HydraException e = assertThrows(HydraException.class, () -> corrupt.layer(TestLayer.image("test/bad:1", lying), lying));
        assertMessage(e, "test/bad:1", lying.digest(), "the blob's digest is " + honest.digest());
        assertCacheEmpty();
    }

    @Test
    void refusesALayerWhoseDiffIdDoesNotMatch() {
        byte[] tar = new TestLayer().file("f", "x").tarBytes();
        byte[] blob = TestLayer.compress(tar, TestLayer.Compression.ZSTD);
        String wrongDiffId = TestLayer.sha256("not this tar".getBytes());
        LayerDescriptor descriptor = blobs.put(blob, TestLayer.mediaType(TestLayer.Compression.ZSTD), wrongDiffId);
        HydraException e = assertThrows(HydraException.class, () -> cache.layer(TestLayer.image("test/bad:1", descriptor), descriptor));
        assertMessage(e, "test/bad:1", descriptor.digest(), "not the diffId " + wrongDiffId);
        assertCacheEmpty();
    }

    @Test
    void refusesATruncatedGzip() {
        byte[] tar = new TestLayer().file("f", "x".repeat(100_000)).file("g", "y").tarBytes();
        byte[] full = TestLayer.compress(tar, TestLayer.Compression.GZIP);
        byte[] truncated = Arrays.copyOf(full, full.length - 20);
        // digest and size describe the truncated bytes: only the gzip stream can tell it ended early
        LayerDescriptor descriptor = blobs.put(truncated, TestLayer.mediaType(TestLayer.Compression.GZIP), TestLayer.sha256(tar));
        HydraException e = assertThrows(HydraException.class, () -> cache.layer(TestLayer.image("test/cut:1", descriptor), descriptor));
        assertMessage(e, "test/cut:1", descriptor.digest(), "cannot read the layer");
        assertCacheEmpty();
    }

    @Test
    void refusesABlobShorterThanTheManifestSays() {
        TestLayer layer = new TestLayer().file("f", "x");
        LayerDescriptor stored = blobs.put(layer, TestLayer.Compression.GZIP);
        LayerDescriptor claimed = new LayerDescriptor(stored.digest(), stored.mediaType(), stored.size() + 10, stored.diffId());
        HydraException e = assertThrows(HydraException.class, () -> cache.layer(TestLayer.image("test/short:1", claimed), claimed));
        assertMessage(e, "test/short:1", claimed.digest(), "truncated");
        assertCacheEmpty();
    }

    @Test
    void refusesAnEntryWhoseHeaderSizeExceedsItsData() {
        byte[] tar = new TestLayer().file("big", "z".repeat(5000)).tarBytes();
        // keep the header and 1000 of the 5000 bytes: the tar stops inside the entry
        byte[] cut = Arrays.copyOf(tar, 512 + 1000);
        LayerDescriptor descriptor = blobs.put(cut, TestLayer.mediaType(TestLayer.Compression.NONE), TestLayer.sha256(cut));
        HydraException e = assertThrows(HydraException.class, () -> cache.layer(TestLayer.image("test/size:1", descriptor), descriptor));
        assertMessage(e, "test/size:1", descriptor.digest(), "big");
        assertCacheEmpty();
    }

    @Test
    void refusesAMediaTypeTheBytesContradict() {
        byte[] tar = new TestLayer().file("f", "x").tarBytes();
        LayerDescriptor descriptor = blobs.put(tar, TestLayer.mediaType(TestLayer.Compression.GZIP), TestLayer.sha256(tar));
        HydraException e = assertThrows(HydraException.class, () -> cache.layer(TestLayer.image("test/mt:1", descriptor), descriptor));
        assertMessage(e, "test/mt:1", descriptor.digest(), "says gzip but the blob starts like an uncompressed tar");
        assertCacheEmpty();
    }

    @Test
    void keepsSymlinkTargetsByteForByte() throws Exception {
        TestLayer layer = new TestLayer().symlink("lib", "usr/lib/").symlink("odd", "a//b/./c");
        LayerDescriptor descriptor = blobs.put(layer, TestLayer.Compression.NONE);
        Path dir = cache.layer(TestLayer.image("test/links:1", descriptor), descriptor);
        assertEquals("usr/lib/", readlink(dir.resolve("lib")));
        assertEquals("a//b/./c", readlink(dir.resolve("odd")));
    }

    @Test
    void aDirReplacedLaterInTheSameLayerLeavesTheReplacement() throws Exception {
        TestLayer layer = new TestLayer().dir("d", 0755).dir("d/e", 0755).file("d/e/f", "gone").file("d", "now a file");
        LayerDescriptor descriptor = blobs.put(layer, TestLayer.Compression.GZIP);
        Path dir = cache.layer(TestLayer.image("test/replace:1", descriptor), descriptor);
        assertEquals("now a file", Files.readString(dir.resolve("d")));
        assertEquals(TestLayer.MTIME, Files.getLastModifiedTime(dir.resolve("d")));
    }

    @Test
    void refusesAGnuLongNameOverTheHeaderLimit() {
        // 8 MiB of one letter gzips to a few KiB; unbounded, Commons Compress reads it all into the heap
        byte[] name = "A".repeat(8 << 20).getBytes(StandardCharsets.UTF_8);
        byte[] tar = new RawTar().file("ok", "x").entry("././@LongLink", 'L', name).file("A", "x").bytes();
        refusedTar(tar, "'././@LongLink' after the entry 'ok'", "holds more than 1 MiB");
    }

    @Test
    void refusesAPaxHeaderOverTheHeaderLimit() {
        String record = " path=" + "A".repeat(8 << 20) + "\n";
        String length = String.valueOf(record.length() + 7);
        byte[] pax = (length + record).getBytes(StandardCharsets.UTF_8);
        byte[] tar = new RawTar().file("ok", "x").entry("PaxHeaders/f", 'x', pax).file("f", "x").bytes();
        refusedTar(tar, "'PaxHeaders/f' after the entry 'ok'", "holds more than 1 MiB");
    }

    private void refusedTar(byte[] tar, String entry, String reason) {
        byte[] blob = TestLayer.compress(tar, TestLayer.Compression.GZIP);
        assertTrue(blob.length < 100_000, "the attack is small on the wire: " + blob.length);
        LayerDescriptor descriptor = blobs.put(blob, TestLayer.mediaType(TestLayer.Compression.GZIP), TestLayer.sha256(tar));
        HydraException e = assertThrows(HydraException.class, () -> cache.layer(TestLayer.image("test/evil:1", descriptor), descriptor));
        assertMessage(e, "test/evil:1", descriptor.digest(), entry);
        assertTrue(e.getMessage().contains(reason), e.getMessage() + " should say " + reason);
        assertCacheEmpty();
    }

    @Test
    void keepsAPaxHeaderJustUnderTheLimit() throws Exception {
        TestLayer layer = new TestLayer().fileWithPax("f", "x", Map.of("comment", "c".repeat(900_000)));
        LayerDescriptor descriptor = blobs.put(layer, TestLayer.Compression.GZIP);
        Path dir = cache.layer(TestLayer.image("test/pax:1", descriptor), descriptor);
        assertEquals("x", Files.readString(dir.resolve("f")));
    }

    private void refused(TestLayer layer, String entry, String reason) {
        LayerDescriptor descriptor = blobs.put(layer, TestLayer.Compression.GZIP);
        StoredImage image = TestLayer.image("test/evil:1", descriptor);
        HydraException e = assertThrows(HydraException.class, () -> cache.layer(image, descriptor));
        assertMessage(e, "test/evil:1", descriptor.digest(), entry);
        assertTrue(e.getMessage().contains(reason), e.getMessage() + " should say " + reason);
        assertCacheEmpty();
    }

    private static void assertMessage(HydraException e, String image, String digest, String detail) {
        String message = e.getMessage();
        assertTrue(message.contains("image " + image), message);
        assertTrue(message.contains("layer " + digest), message);
        assertTrue(message.contains(detail), message + " should contain " + detail);
        assertEquals(HydraException.Kind.INVALID, e.kind(), message);
    }

    private void assertCacheEmpty() {
        try (var entries = Files.list(cache.dir())) {
            assertEquals(java.util.List.of(), entries.toList(), "neither a layer nor a staging dir is left");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The link's target as the kernel holds it (through a process, not a Path, which would normalise it). */
    private static String readlink(Path link) throws Exception {
        Process readlink = new ProcessBuilder("readlink", link.toString()).redirectErrorStream(true).start();
        String out = new String(readlink.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, readlink.waitFor(), out);
        return out.stripTrailing();
    }

    private static int mode(Path path) throws Exception {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
