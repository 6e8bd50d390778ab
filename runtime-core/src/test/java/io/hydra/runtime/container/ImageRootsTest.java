package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ContainerRootfs;
import io.hydra.runtime.image.ImageConfig;
import io.hydra.runtime.image.ImageSource;
import io.hydra.runtime.image.StoredImage;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

/**
 * ImageRoots against recording fakes of the two contracts (the real image store and overlay are tested by their
 * own helpers and end to end in it/): what it asks of them, in which order, and what it leaves behind on failure.
 */
class ImageRootsTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);
    private static final StoredImage IMAGE = new StoredImage("docker.io/library/busybox:latest", DIGEST,
            "sha256:" + "cd".repeat(32), new ImageConfig(null, List.of("sh"), null, null, null, null, null, null),
            List.of(), 1, Instant.EPOCH);

    @TempDir
    Path dir;

    /** Records every call; importUpper writes what the "archive" file names, or fails when it says "bad". */
    static final class FakeRootfs implements ContainerRootfs {
        final List<String> calls = new ArrayList<>();

        @Override
        public Path mount(StoredImage image, Path containerDir) {
            calls.add("mount " + image.manifestDigest() + " " + containerDir.getFileName());
            return containerDir.resolve("rootfs");
        }

        @Override
        public void unmount(Path containerDir) {
            calls.add("unmount " + containerDir.getFileName());
        }

        @Override
        public void remove(Path containerDir) {
            calls.add("remove " + containerDir.getFileName());
            Containers.deleteTree(containerDir.resolve("upper"));
            Containers.deleteTree(containerDir.resolve("work"));
        }

        @Override
        public void exportUpper(Path containerDir, Path tarFile) {
            calls.add("export " + containerDir.getFileName() + " " + tarFile.getFileName());
        }

        @Override
        public void importUpper(Path tarFile, Path containerDir) {
            calls.add("import " + containerDir.getFileName());
            try {
                String content = Files.readString(tarFile);
                if (content.equals("bad")) {
                    throw HydraException.invalid("writable layer " + tarFile + ": entry ../x escapes the upper dir");
                }
                Files.createDirectories(containerDir.resolve("upper"));
                Files.writeString(containerDir.resolve("upper/file"), content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static final class FakeImages implements ImageSource {
        int digestLookups;
        StoredImage answer = IMAGE;

        @Override
        public StoredImage resolve(String ref) {
            if (!ref.equals("busybox")) {
                throw HydraException.notFound("no image " + ref + " here: pull or import it first");
            }
            return answer;
        }

        @Override
        public StoredImage byManifestDigest(String manifestDigest) {
            digestLookups++;
            return answer;
        }
    }

    private static ContainerRecord record(Path containerDir, RunOptions options) {
        return new ContainerRecord("id", "web", ContainerStatus.exited, "eager", null, containerDir,
                containerDir.resolve("bundle"), null, List.of("sh"), false, 0, 0, null, false, null, "node",
                Instant.EPOCH, null, null, 0, options);
    }

    private static RunOptions fromImage() {
        return new RunOptions(IMAGE.ref(), DIGEST, Map.of(), RestartPolicy.NO, false, false);
    }

    @Test
    void aContainerOfRootfsOrBundleHasNoImageRootToMountOrRemove() {
        FakeRootfs rootfs = new FakeRootfs();
        ImageRoots roots = new ImageRoots(new FakeImages(), rootfs);
        ContainerRecord plain = record(dir.resolve("c1"), RunOptions.NONE);
        roots.remount(plain);
        roots.release(plain);
        assertEquals(List.of(), rootfs.calls);
        // even a daemon without images removes such containers
        ImageRoots none = ImageRoots.unavailable("storage is off");
        none.remount(plain);
        none.release(plain);
    }

    @Test
    void remountLooksTheImageUpByDigestOnceAndMountsTheContainersDir() {
        FakeRootfs rootfs = new FakeRootfs();
        FakeImages images = new FakeImages();
        ImageRoots roots = new ImageRoots(images, rootfs);
        ContainerRecord r = record(dir.resolve("c1"), fromImage());
        roots.remount(r);
        roots.remount(r);
        assertEquals(List.of("mount " + DIGEST + " c1", "mount " + DIGEST + " c1"), rootfs.calls);
        assertEquals(1, images.digestLookups, "an image is content-addressed: asked of the store once");
        roots.release(r);
        assertEquals("remove c1", rootfs.calls.get(2));
    }

    @Test
    void anImageStoreAnsweringAnotherDigestIsRefused() {
        FakeImages images = new FakeImages();
        images.answer = new StoredImage(null, "sha256:" + "ee".repeat(32), IMAGE.configDigest(), IMAGE.config(),
                List.of(), 1, Instant.EPOCH);
        ImageRoots roots = new ImageRoots(images, new FakeRootfs());
        HydraException e = assertThrows(HydraException.class, () -> roots.byDigest(DIGEST));
        assertTrue(e.getMessage().contains(DIGEST) && e.getMessage().contains("ee".repeat(32)), e.getMessage());
    }

    @Test
    void withoutAnImageStoreEveryImageOperationSaysWhy() {
        ImageRoots none = ImageRoots.unavailable("the storage plugin failed: bucket gone");
        HydraException e = assertThrows(HydraException.class, () -> none.resolve("busybox"));
        assertTrue(e.getMessage().contains("image busybox") && e.getMessage().contains("bucket gone"), e.getMessage());
        assertThrows(HydraException.class, () -> none.remount(record(dir.resolve("c"), fromImage())));
    }

    @Test
    void theCheckpointsLayerReplacesTheContainersOnlyOnceItIsUnpacked() throws Exception {
        FakeRootfs rootfs = new FakeRootfs();
        ImageRoots roots = new ImageRoots(new FakeImages(), rootfs);
        Path containerDir = Files.createDirectories(dir.resolve("c1"));
        Files.createDirectories(containerDir.resolve("upper"));
        Files.writeString(containerDir.resolve("upper/file"), "current");
        Path bad = Files.writeString(dir.resolve("bad.tar"), "bad");
        HydraException refused = assertThrows(HydraException.class, () -> roots.restoreUpper(bad, IMAGE,
                containerDir));
        assertTrue(refused.getMessage().contains("escapes"), refused.getMessage());
        assertEquals("current", Files.readString(containerDir.resolve("upper/file")), "the old layer stays");
        assertFalse(Files.exists(containerDir.resolve("upper-restore")), "nothing half-unpacked is left");
        assertFalse(rootfs.calls.contains("remove c1"));

        Path good = Files.writeString(dir.resolve("good.tar"), "from the checkpoint");
        assertEquals(containerDir.resolve("rootfs"), roots.restoreUpper(good, IMAGE, containerDir));
        assertEquals("from the checkpoint", Files.readString(containerDir.resolve("upper/file")));
        assertFalse(Files.exists(containerDir.resolve("upper-restore")));
        assertEquals(List.of("import upper-restore", "import upper-restore", "remove c1", "mount " + DIGEST + " c1"),
                rootfs.calls);
    }

    @Test
    void aNewContainerDirectoryIsMadeForTheRestoredLayer() throws Exception {
        ImageRoots roots = new ImageRoots(new FakeImages(), new FakeRootfs());
        Path containerDir = dir.resolve("never-existed");
        Path tar = Files.writeString(dir.resolve("t.tar"), "x");
        roots.restoreUpper(tar, IMAGE, containerDir);
        assertEquals("x", Files.readString(containerDir.resolve("upper/file")));
    }

    @Test
    void theLayerGoesIntoTheCheckpointImageUnderItsName() {
        FakeRootfs rootfs = new FakeRootfs();
        new ImageRoots(new FakeImages(), rootfs).exportUpper(record(dir.resolve("c1"), fromImage()), dir);
        assertEquals(List.of("export c1 " + ImageRoots.UPPER_ARCHIVE), rootfs.calls);
    }
}
