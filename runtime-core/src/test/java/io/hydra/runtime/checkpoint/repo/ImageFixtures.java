package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Image directories made of real files, and comparison of two trees. */
final class ImageFixtures {
    static final int PAGE = 4096;

    private ImageFixtures() {
    }

    /**
     * A page as a process's memory looks to LZ4: the first half random, the second half a short repeated pattern,
     * so records get compressed (about 2:1) and every page is still unique.
     */
    static void fillMemoryPage(SplittableRandom random, byte[] page, int offset) {
        for (int i = 0; i < PAGE / 2; i += 8) {
            long value = random.nextLong();
            for (int b = 0; b < 8; b++) {
                page[offset + i + b] = (byte) (value >>> (8 * b));
            }
        }
        byte pattern = (byte) random.nextInt();
        for (int i = PAGE / 2; i < PAGE; i++) {
            page[offset + i] = (byte) (pattern + (i & 7));
        }
    }

    /** Writes {@code pages} memory pages; returns the path. */
    static Path writeMemoryImage(Path file, int pages, SplittableRandom random) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] block = new byte[256 * PAGE];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int done = 0; done < pages; ) {
                int n = Math.min(256, pages - done);
                for (int p = 0; p < n; p++) {
                    fillMemoryPage(random, block, p * PAGE);
                }
                out.write(block, 0, n * PAGE);
                done += n;
            }
        }
        return file;
    }

    /** An image directory holding one memory image of {@code pages} pages drawn from {@code seed}; returns it. */
    static Path memoryImageDir(Path dir, int pages, long seed) throws IOException {
        writeMemoryImage(dir.resolve("pages-1.img"), pages, new SplittableRandom(seed));
        return dir;
    }

    /** Incompressible bytes, written in blocks. */
    static Path writeRandom(Path file, long size, SplittableRandom random) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < size; ) {
                int n = (int) Math.min(block.length, size - done);
                for (int i = 0; i < n; i += 8) {
                    long value = random.nextLong();
                    for (int b = 0; b < 8 && i + b < n; b++) {
                        block[i + b] = (byte) (value >>> (8 * b));
                    }
                }
                out.write(block, 0, n);
                done += n;
            }
        }
        return file;
    }

    static Path writeText(Path file, String text, String mode) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    /** Rewrites pages {@code [first, first + count)} with fresh memory pages. */
    static void rewritePages(Path file, long first, int count, SplittableRandom random) throws IOException {
        byte[] pages = new byte[count * PAGE];
        for (int p = 0; p < count; p++) {
            fillMemoryPage(random, pages, p * PAGE);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(pages);
            long position = first * PAGE;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        }
    }

    /** Asserts two directory trees hold the same files, bytes and permissions. */
    static void assertSameTree(Path expected, Path actual) throws IOException {
        List<Path> expectedFiles = files(expected);
        List<Path> actualFiles = files(actual);
        assertEquals(expectedFiles, actualFiles, "file lists differ");
        for (Path relative : expectedFiles) {
            Path a = expected.resolve(relative);
            Path b = actual.resolve(relative);
            assertEquals(Files.size(a), Files.size(b), "size of " + relative);
            assertEquals(Files.getPosixFilePermissions(a), Files.getPosixFilePermissions(b), "mode of " + relative);
            assertFilesEqual(a, b, relative);
        }
    }

    private static void assertFilesEqual(Path a, Path b, Path relative) throws IOException {
        try (var inA = Files.newInputStream(a); var inB = Files.newInputStream(b)) {
            byte[] bufA = new byte[1 << 20];
            byte[] bufB = new byte[1 << 20];
            long position = 0;
            while (true) {
                int nA = inA.readNBytes(bufA, 0, bufA.length);
                int nB = inB.readNBytes(bufB, 0, bufB.length);
                assertEquals(nA, nB, "length of " + relative);
                if (nA == 0) {
                    return;
                }
                if (!java.util.Arrays.equals(bufA, 0, nA, bufB, 0, nB)) {
                    assertArrayEquals(java.util.Arrays.copyOf(bufA, nA), java.util.Arrays.copyOf(bufB, nB),
                            "bytes of " + relative + " from " + position);
                }
                position += nA;
            }
        }
    }

    static List<Path> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> files = new ArrayList<>();
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).map(root::relativize).sorted()
                    .forEach(files::add);
            return files;
        }
    }

    /** Everything in {@code parent} whose name starts with the given prefix (restore leftovers, for example). */
    static List<String> entriesStartingWith(Path parent, String prefix) throws IOException {
        try (Stream<Path> list = Files.list(parent)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
        }
    }

    /** Copies a flat directory (an image directory), permissions kept; returns the copy. */
    static Path copyDir(Path dir, Path to) throws IOException {
        Files.createDirectories(to);
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }
}
