package io.hydra.storage.fs;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobNames;
import io.hydra.spi.storage.BlobStore;
import io.hydra.spi.storage.BoundedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Blobs as files under a root directory: blob {@code a/b/c} is the file {@code ROOT/a/b/c}.
 *
 * <p>A put writes a temporary file under {@code ROOT/.tmp}, fsyncs it, moves it into place with an atomic rename and
 * fsyncs the directory, so a reader or a store reopened after a crash sees the whole blob or none of it. A conditional
 * put links the temporary file to the final name instead: {@code link(2)} fails when the name exists, so of several
 * concurrent puts exactly one wins. {@code .tmp} can never collide with a blob (no segment of a valid blob name starts
 * with a dot); its leftovers from a crash are removed when the store opens.
 *
 * <p>A file and a directory cannot share a path, so blobs {@code a} and {@code a/b} cannot both exist here (they can on
 * S3): the second put fails with an IOException that says so. Directories emptied by deletes are left in place: removing
 * them would race with a put creating a file in them.
 */
public final class FsBlobStore implements BlobStore {
    static final String TEMP_DIRECTORY = ".tmp";

    private final Path root;
    private final Path tempDir;
    private final DurableFiles files;

    /** Opens (creating it if needed) the store at {@code root} and removes temporary files left by a crash. */
    public FsBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.tempDir = this.root.resolve(TEMP_DIRECTORY);
        this.files = new DurableFiles(this.root);
        files.createDirectories(tempDir);
        removeCrashLeftovers();
    }

    @Override
    public String name() {
        return FsBlobStoreFactory.NAME;
    }

    public Path root() {
        return root;
    }

    @Override
    public boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException {
        Path target = resolve(blobName);
        Objects.requireNonNull(content, "content");
        if (length < 0) {
            throw new IllegalArgumentException("blob '" + blobName + "': negative length " + length);
        }
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw directoryConflict(blobName);
        }
        // saves writing the bytes when the answer is already known; the link below decides races
        if (ifAbsent && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Path temp = tempDir.resolve(UUID.randomUUID().toString());
        files.writeExactly(temp, content, length, blobName);
        try {
            Path parent = target.getParent();
            createParents(blobName, parent);
            if (ifAbsent) {
                try {
                    Files.createLink(target, temp);
                } catch (FileAlreadyExistsException e) {
                    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        throw directoryConflict(blobName);
                    }
                    return false;
                }
            } else {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            files.fsyncDirectory(parent);
            return true;
        } finally {
            // after a link, or a failure; a crash before this leaves a leftover the next open removes
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public InputStream get(String blobName) throws IOException {
        Path file = resolve(blobName);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(blobName);
        }
        try {
            return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(blobName);
        }
    }

    /** Opens the file once and starts reading at the offset: nothing before the range is read. */
    @Override
    public InputStream get(String blobName, long offset, long length) throws IOException {
        Path file = resolve(blobName);
        BlobStore.checkRange(offset, length);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(blobName);
        }
        SeekableByteChannel channel;
        try {
            channel = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(blobName);
        }
        try {
            if (length > 0 && offset >= channel.size()) {
                throw new EOFException("blob " + blobName + " has " + channel.size() + " bytes; a read from offset "
                        + offset + " is past its end");
            }
            channel.position(offset);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new BoundedInputStream(Channels.newInputStream(channel), length);
    }

    @Override
    public Optional<BlobInfo> stat(String blobName) throws IOException {
        Path file = resolve(blobName);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (FileSystemException e) {
            // "a/b/c" when "a" is a blob: ENOTDIR, which Java reports as a plain FileSystemException
            if (underABlob(file)) {
                return Optional.empty();
            }
            throw e;
        }
        if (!attributes.isRegularFile()) {
            return Optional.empty();
        }
        return Optional.of(new BlobInfo(blobName, attributes.size(), attributes.lastModifiedTime().toInstant()));
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        List<BlobInfo> blobs = new ArrayList<>();
        forEach(prefix, blobs::add);
        blobs.sort(Comparator.comparing(BlobInfo::name));
        return blobs;
    }

    /** Walks the directory tree and hands each file over as it is found. */
    @Override
    public void forEach(String prefix, BlobVisitor visitor) throws IOException {
        String validPrefix = BlobNames.validatePrefix(prefix);
        Objects.requireNonNull(visitor, "visitor");
        // walk only the deepest directory the prefix names completely: "a/b/c" starts at "a/b"
        int slash = validPrefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(validPrefix.substring(0, slash));
        if (!Files.isDirectory(start, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                boolean hidden = !dir.equals(root) && dir.getFileName().toString().startsWith(".");
                return hidden ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    String name = blobName(file);
                    if (name.startsWith(validPrefix) && isValidName(name)) {
                        visitor.visit(new BlobInfo(name, attrs.size(), attrs.lastModifiedTime().toInstant()));
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // deleted while we walked
                }
                throw e;
            }
        });
    }

    @Override
    public void delete(String blobName) throws IOException {
        Path file = resolve(blobName);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.deleteIfExists(file)) {
            files.fsyncDirectory(file.getParent());
        }
    }

    /** Validates the name before any file access, and maps it under the root. */
    private Path resolve(String blobName) {
        Path path = root.resolve(BlobNames.validate(blobName)).normalize();
        // BlobNames already refuses "..", "/abs" and empty segments; this guards against a change there
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("blob name '" + blobName + "' leads outside the store");
        }
        return path;
    }

    private void createParents(String blobName, Path parent) throws IOException {
        try {
            files.createDirectories(parent);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("blob '" + blobName + "' cannot be stored: '" + blobName(Path.of(e.getFile()))
                    + "' is a blob, and the fs store keeps blobs as files, so no blob can be under it", e);
        }
    }

    private boolean underABlob(Path file) {
        for (Path p = file.getParent(); !p.equals(root); p = p.getParent()) {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
        }
        return false;
    }

    private IOException directoryConflict(String blobName) {
        return new IOException("blob '" + blobName + "' cannot be stored: other blobs are named '" + blobName
                + "/...', and the fs store keeps blobs as files, so '" + blobName + "' is a directory");
    }

    private String blobName(Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    private static boolean isValidName(String name) {
        try {
            BlobNames.validate(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void removeCrashLeftovers() throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(tempDir)) {
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
            }
        }
    }
}
