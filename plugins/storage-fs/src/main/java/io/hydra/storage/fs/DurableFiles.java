package io.hydra.storage.fs;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * File operations that survive a crash: data and directory entries are fsynced before anyone is told they exist.
 * Files and directories are private to the daemon's user, since blobs hold checkpoint images (process memory).
 */
final class DurableFiles {
    private static final int COPY_BUFFER = 64 * 1024;

    private final boolean posix;

    DurableFiles(Path anyPathOnTheFileSystem) {
        this.posix = anyPathOnTheFileSystem.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Writes exactly {@code length} bytes of {@code content} to a new file and fsyncs it. A stream that ends early or
     * has more bytes is an error, and the file is removed.
     */
    void writeExactly(Path file, InputStream content, long length, String blobName) throws IOException {
        try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), privateFile())) {
            byte[] buffer = new byte[COPY_BUFFER];
            long remaining = length;
            while (remaining > 0) {
                int read = content.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (read < 0) {
                    throw new EOFException("blob '" + blobName + "': the stream ended after " + (length - remaining)
                            + " of " + length + " bytes");
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, read);
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
                remaining -= read;
            }
            if (content.read() >= 0) {
                throw new IOException("blob '" + blobName + "': the stream has more than " + length + " bytes");
            }
            channel.force(true);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * Creates the missing directories down to {@code dir}, fsyncing each parent so a new directory entry is as durable
     * as the file that will be renamed into it. Also fsyncs when another thread created a directory first: its entry
     * may not be on disk yet.
     */
    void createDirectories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir; p != null && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p, privateDirectory());
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
            }
            if (p.getParent() != null) {
                fsyncDirectory(p.getParent());
            }
        }
    }

    /** Makes the directory's entries (a rename, a link, a removal) durable. */
    void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private FileAttribute<?>[] privateFile() {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))} : new FileAttribute<?>[0];
    }

    private FileAttribute<?>[] privateDirectory() {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------"))} : new FileAttribute<?>[0];
    }
}
