package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.LayerDescriptor;
import io.hydra.runtime.image.StoredImage;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real overlay mounts (the tests run as root) over layers from the cache, and writable layers exported and imported. */
class OverlayContainerRootfsTest {
    @TempDir
    Path tmp;
    TestLayer.Blobs blobs;
    OverlayContainerRootfs rootfs;
    StoredImage image;
    final List<Path> containers = new ArrayList<>();

    @BeforeEach
    void layers() {
        blobs = new TestLayer.Blobs(tmp.resolve("blobs"));
        LayerDescriptor base = blobs.put(new TestLayer()
                .dir("etc", 0755).file("etc/motd", "base motd").file("etc/hosts", "base hosts")
                .dir("var/cache", 0755).file("var/cache/old", "stale").file("version", "1"), TestLayer.Compression.GZIP);
        LayerDescriptor middle = blobs.put(new TestLayer()
                .whiteout("etc/motd").opaque("var/cache").file("var/cache/new", "fresh").file("version", "2"),
                TestLayer.Compression.ZSTD);
        LayerDescriptor top = blobs.put(new TestLayer().file("version", "3").dir("data", 0777), TestLayer.Compression.NONE);
        image = TestLayer.image("test/overlay:1", base, middle, top);
        LayerCache cache = new LayerCache(tmp.resolve("root"), blobs, new LayerUnpacker());
        rootfs = new OverlayContainerRootfs(cache, new LayerUnpacker());
    }

    @AfterEach
    void unmountAll() {
        containers.forEach(rootfs::unmount);
    }

    @Test
    void layersStackAsOverlay() throws Exception {
        Path root = mount("c1");
        assertFalse(Files.exists(root.resolve("etc/motd")), "the whiteout hides the lower file");
        assertEquals("base hosts", Files.readString(root.resolve("etc/hosts")));
        assertFalse(Files.exists(root.resolve("var/cache/old")), "the opaque dir hides the lower dir's contents");
        assertEquals("fresh", Files.readString(root.resolve("var/cache/new")));
        assertEquals("3", Files.readString(root.resolve("version")), "the top layer wins");
    }

    @Test
    void mountIsIdempotentAndWritesGoToTheUpperDir() throws Exception {
        Path root = mount("c1");
        assertEquals(root, rootfs.mount(image, tmp.resolve("c1")));
        assertEquals(1, mountCount(root), "mounted once");
        Files.writeString(root.resolve("data/new"), "written");
        Files.delete(root.resolve("etc/hosts"));
        assertEquals("written", Files.readString(tmp.resolve("c1/upper/data/new")));
        assertTrue(Files.exists(tmp.resolve("c1/upper/etc/hosts"), LinkOption.NOFOLLOW_LINKS), "a whiteout in upper");
        assertFalse(Files.exists(root.resolve("etc/hosts")));

        rootfs.unmount(tmp.resolve("c1"));
        rootfs.unmount(tmp.resolve("c1"));
        assertFalse(MountInfo.isMountPoint(root));
        rootfs.remove(tmp.resolve("c1"));
        assertFalse(Files.exists(tmp.resolve("c1/upper")));
        assertFalse(Files.exists(tmp.resolve("c1/work")));
        assertFalse(Files.exists(tmp.resolve("c1/rootfs")));
    }

    @Test
    void theWritableLayerTravelsThroughExportAndImport() throws Exception {
        Path root = mount("c1");
        Files.writeString(root.resolve("data/file"), "payload");
        Files.createLink(root.resolve("data/link"), root.resolve("data/file"));
        Files.createDirectories(root.resolve("data/deep/er"));
        Files.writeString(root.resolve("data/deep/er/" + "long-name-".repeat(20)), "long");
        Files.createSymbolicLink(root.resolve("data/sh"), Path.of("/bin/busybox"));
        Xattrs.set(root.resolve("data/file"), "user.note", "hello".getBytes(StandardCharsets.UTF_8));
        Files.delete(root.resolve("etc/hosts"));
        Files.delete(root.resolve("var/cache/new"));
        // a dir deleted and made again is opaque in the upper dir: nothing of the lower one shows through
        rootfs.unmount(tmp.resolve("c1"));
        root = mount("c1");
        Files.delete(root.resolve("var/cache"));
        Files.createDirectory(root.resolve("var/cache"));
        Files.writeString(root.resolve("var/cache/mine"), "mine");
        assertArrayEquals(new byte[]{'y'}, Xattrs.get(tmp.resolve("c1/upper/var/cache"), Xattrs.OPAQUE));
        TreeMap<String, String> before = view(root);
        rootfs.unmount(tmp.resolve("c1"));

        Path tar = tmp.resolve("upper.tar");
        rootfs.exportUpper(tmp.resolve("c1"), tar);
        Path again = tmp.resolve("upper-again.tar");
        rootfs.exportUpper(tmp.resolve("c1"), again);
        assertTrue(Files.size(tar) > 4096, "the archive holds the files");
        assertArrayEquals(Files.readAllBytes(tar), Files.readAllBytes(again), "an unchanged upper dir gives the same tar");

        rootfs.importUpper(tar, tmp.resolve("c2"));
        Path copy = mount("c2");
        assertEquals(before, view(copy));
        assertEquals(Files.getAttribute(copy.resolve("data/file"), "unix:ino"), Files.getAttribute(copy.resolve("data/link"), "unix:ino"));
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), Xattrs.get(copy.resolve("data/file"), "user.note"));
        assertFalse(Files.exists(copy.resolve("var/cache/old")));
        assertFalse(Files.exists(copy.resolve("etc/hosts")));
        try (var entries = Files.list(tmp.resolve("c2"))) {
            assertEquals(List.of("rootfs", "upper", "work"), entries.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aContainerDirReachedThroughASymlinkIsMountedOnceAndUnmounted() throws Exception {
        Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("real"));
        Path container = link.resolve("c1");
        containers.add(container);
        rootfs.mount(image, container);
        rootfs.mount(image, container);
        Path real = tmp.resolve("real/c1/rootfs").toRealPath();
        assertEquals(1, mountCount(real), "one overlay, not two stacked on the same upper dir");
        assertTrue(MountInfo.isMountPoint(container.resolve("rootfs")));
        rootfs.unmount(container);
        assertEquals(0, mountCount(real));
        rootfs.remove(container);
        assertFalse(Files.exists(tmp.resolve("real/c1/upper")));
    }

    @Test
    void aGcWhileAContainerMountsKeepsTheLayersItHasUnpacked() throws Exception {
        LayerDescriptor base = image.layers().get(0);
        LayerCache[] cache = new LayerCache[1];
        // the top layers unpack first; while the base unpacks, a gc runs that knows of no container using them
        LayerCache.BlobOpener racing = layer -> {
            if (layer.equals(base)) {
                assertEquals(java.util.Set.of(), cache[0].gc(java.util.Set.of()), "held layers kept");
            }
            return blobs.open(layer);
        };
        cache[0] = new LayerCache(tmp.resolve("racing-root"), racing, new LayerUnpacker());
        OverlayContainerRootfs racingRootfs = new OverlayContainerRootfs(cache[0], new LayerUnpacker());
        Path container = tmp.resolve("raced");
        Path root = racingRootfs.mount(image, container);
        try {
            assertEquals("3", Files.readString(root.resolve("version")));
        } finally {
            racingRootfs.unmount(container);
        }
        assertEquals(3, cache[0].gc(java.util.Set.of()).size(), "released after the mount: gc may take them");
    }

    @Test
    void theRootsModeAndOwnerTravelWithTheWritableLayer() throws Exception {
        Path root = mount("c1");
        LibCalls.chmod(root, 0700); // chmod 700 / in the container: copied up to the upper dir's own inode
        LibCalls.lchown(root, 1000, 1000);
        rootfs.unmount(tmp.resolve("c1"));
        Path tar = tmp.resolve("upper.tar");
        rootfs.exportUpper(tmp.resolve("c1"), tar);
        rootfs.importUpper(tar, tmp.resolve("c2"));
        Path copy = mount("c2");
        assertEquals(0700, (Integer) Files.getAttribute(copy, "unix:mode") & 07777);
        assertEquals(1000, Files.getAttribute(copy, "unix:uid"));
    }

    @Test
    void importRefusesAMaliciousArchiveAndLeavesNothing() throws Exception {
        for (TestLayer evil : List.of(new TestLayer().file("../escape", "x"),
                new TestLayer().device("dev/kmem", TarConstants.LF_CHR),
                new TestLayer().symlink("out", "/").file("out/tmp/hydra-import-escape", "x"))) {
            Path tar = tmp.resolve("evil.tar");
            Files.write(tar, evil.tarBytes());
            Path container = tmp.resolve("evil");
            HydraException e = assertThrows(HydraException.class, () -> rootfs.importUpper(tar, container));
            assertTrue(e.getMessage().contains("writable layer " + tar), e.getMessage());
            assertTrue(e.getMessage().contains("entry '"), e.getMessage());
            try (var entries = Files.list(container)) {
                assertEquals(List.of(), entries.toList(), "no upper dir and no staging dir left");
            }
        }
        assertFalse(Files.exists(Path.of("/tmp/hydra-import-escape")));
    }

    @Test
    void importRefusesATruncatedArchive() throws Exception {
        Path tar = tmp.resolve("short.tar");
        Files.write(tar, new byte[0]);
        HydraException e = assertThrows(HydraException.class, () -> rootfs.importUpper(tar, tmp.resolve("c4")));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("c4/upper")));
    }

    @Test
    void importRefusesAnUpperDirThatIsNotEmpty() throws Exception {
        Files.createDirectories(tmp.resolve("c3/upper"));
        Files.writeString(tmp.resolve("c3/upper/existing"), "x");
        Path tar = tmp.resolve("empty.tar");
        Files.write(tar, new TestLayer().tarBytes());
        HydraException e = assertThrows(HydraException.class, () -> rootfs.importUpper(tar, tmp.resolve("c3")));
        assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
    }

    @Test
    void refusesMountOptionsLongerThanAPage() {
        List<LayerDescriptor> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(blobs.put(new TestLayer().file("f" + i, "x"), TestLayer.Compression.NONE));
        }
        StoredImage tall = TestLayer.image("test/tall:1", many.toArray(LayerDescriptor[]::new));
        HydraException e = assertThrows(HydraException.class, () -> rootfs.mount(tall, tmp.resolve("tall")));
        assertTrue(e.getMessage().contains("test/tall:1") && e.getMessage().contains("over the kernel's limit"), e.getMessage());
        assertFalse(MountInfo.isMountPoint(tmp.resolve("tall/rootfs")));
    }

    private Path mount(String name) {
        Path dir = tmp.resolve(name);
        containers.add(dir);
        return rootfs.mount(image, dir);
    }

    private static long mountCount(Path root) throws IOException {
        String wanted = root.toAbsolutePath().toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> MountInfo.unescape(line.split(" ")[4]).equals(wanted)).count();
    }

    /** Every path of the merged view with its type, mode and content or link target. */
    private static TreeMap<String, String> view(Path root) throws IOException {
        TreeMap<String, String> view = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                view.put(root.relativize(dir) + "/", describe(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String content = attrs.isSymbolicLink() ? "-> " + Files.readSymbolicLink(file)
                        : attrs.isRegularFile() ? Files.readString(file) : "";
                view.put(root.relativize(file).toString(), describe(file) + " " + content);
                return FileVisitResult.CONTINUE;
            }
        });
        return view;
    }

    private static String describe(Path path) throws IOException {
        var stat = Files.readAttributes(path, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        return Integer.toOctalString((Integer) stat.get("mode")) + " " + stat.get("uid") + ":" + stat.get("gid")
                + (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? ""
                : " " + ((FileTime) stat.get("lastModifiedTime")).to(TimeUnit.MICROSECONDS)); // the archive keeps 100 ns
    }
}
