package io.hydra.runtime.image.layer;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** The libc calls of {@link LibC} as methods that throw {@link IOException} naming the path, plus a safe rm -r. */
final class LibCalls {
    private LibCalls() {
    }

    static void chmod(Path path, int mode) throws IOException {
        if (LibC.INSTANCE.chmod(path.toString(), mode) != 0) {
            throw new IOException("cannot chmod " + Integer.toOctalString(mode) + " " + path + ": " + LibC.lastError());
        }
    }

    static void lchown(Path path, int uid, int gid) throws IOException {
        if (LibC.INSTANCE.lchown(path.toString(), uid, gid) != 0) {
            throw new IOException("cannot chown " + uid + ":" + gid + " " + path + ": " + LibC.lastError());
        }
    }

    /**
     * Sets atime and mtime without following a symlink and without opening the file (the JDK's setTimes opens
     * it, which blocks forever on a fifo).
     */
    static void setTimes(Path path, java.nio.file.attribute.FileTime time) throws IOException {
        java.time.Instant instant = time.toInstant();
        long[] times = {instant.getEpochSecond(), instant.getNano(), instant.getEpochSecond(), instant.getNano()};
        if (LibC.INSTANCE.utimensat(LibC.AT_FDCWD, path.toString(), times, LibC.AT_SYMLINK_NOFOLLOW) != 0) {
            throw new IOException("cannot set the mtime of " + path + ": " + LibC.lastError());
        }
    }

    /** A symlink whose target is the string as given: {@code usr/lib/} and {@code a//b} stay as they are. */
    static void symlink(String target, Path link) throws IOException {
        byte[] utf8 = target.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] terminated = java.util.Arrays.copyOf(utf8, utf8.length + 1);
        if (LibC.INSTANCE.symlink(terminated, link.toString()) != 0) {
            throw new IOException("cannot create the symlink " + link + ": " + LibC.lastError());
        }
    }

    /** An overlay whiteout: a char device 0:0. */
    static void whiteout(Path path) throws IOException {
        if (LibC.INSTANCE.mknod(path.toString(), LibC.S_IFCHR, 0) != 0) {
            throw new IOException("cannot create the whiteout " + path + ": " + LibC.lastError());
        }
    }

    static void mkfifo(Path path, int mode) throws IOException {
        if (LibC.INSTANCE.mknod(path.toString(), LibC.S_IFIFO | (mode & 07777), 0) != 0) {
            throw new IOException("cannot create the fifo " + path + ": " + LibC.lastError());
        }
    }

    /** Flushes the filesystem holding {@code dir}, so a rename that publishes it never precedes its data. */
    static void syncfs(Path dir) throws IOException {
        int fd = LibC.INSTANCE.open(dir.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("cannot open " + dir + ": " + LibC.lastError());
        }
        try {
            if (LibC.INSTANCE.syncfs(fd) != 0) {
                throw new IOException("cannot sync the filesystem of " + dir + ": " + LibC.lastError());
            }
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    /** rm -r that never follows a symlink (it removes the link) and ignores a path already gone. */
    static void deleteRecursively(Path path) throws IOException {
        if (SafePath.lstat(path) == null) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteIfExists(Path path) throws IOException {
        Files.deleteIfExists(path);
    }
}
