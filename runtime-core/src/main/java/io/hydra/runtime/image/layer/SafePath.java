package io.hydra.runtime.image.layer;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Resolves entry paths inside a directory that only this unpacker writes, component by component without
 * following symlinks: an entry whose path passes through a symlink ({@code link -> /etc}, then
 * {@code link/passwd}) is refused instead of resolved, so nothing is ever written outside the dir. Because no one
 * else writes the dir while it is unpacked (a staging dir, or an upper dir not mounted yet), checking each
 * component with lstat is not racy.
 */
final class SafePath {
    private final Path root;

    SafePath(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /**
     * The path of {@code entry}; its parent dirs are created (mode 0755, as docker does) when the layer does not
     * list them. The last component itself is not checked: callers lstat it.
     */
    Path resolveCreatingParents(EntryPath entry) throws BadEntryException, IOException {
        Path current = root;
        var parts = entry.components();
        for (int i = 0; i < parts.size() - 1; i++) {
            current = current.resolve(parts.get(i));
            BasicFileAttributes attributes = lstat(current);
            if (attributes == null) {
                try {
                    Files.createDirectory(current);
                } catch (FileAlreadyExistsException e) {
                    throw new BadEntryException("'" + String.join("/", parts.subList(0, i + 1)) + "' appeared while unpacking");
                }
                LibCalls.chmod(current, 0755);
            } else if (attributes.isSymbolicLink()) {
                throw new BadEntryException("path passes through the symlink '" + String.join("/", parts.subList(0, i + 1)) + "'");
            } else if (!attributes.isDirectory()) {
                throw new BadEntryException("'" + String.join("/", parts.subList(0, i + 1)) + "' is not a directory");
            }
        }
        return parts.isEmpty() ? root : current.resolve(parts.get(parts.size() - 1));
    }

    /** The path of an entry that must already exist, reached without passing through a symlink. */
    Path resolveExisting(EntryPath entry) throws BadEntryException, IOException {
        Path current = root;
        var parts = entry.components();
        for (int i = 0; i < parts.size(); i++) {
            current = current.resolve(parts.get(i));
            BasicFileAttributes attributes = lstat(current);
            String shown = String.join("/", parts.subList(0, i + 1));
            if (attributes == null) {
                throw new BadEntryException("'" + shown + "' does not exist in this layer");
            }
            if (i < parts.size() - 1 && attributes.isSymbolicLink()) {
                throw new BadEntryException("path passes through the symlink '" + shown + "'");
            }
            if (i < parts.size() - 1 && !attributes.isDirectory()) {
                throw new BadEntryException("'" + shown + "' is not a directory");
            }
        }
        return current;
    }

    static BasicFileAttributes lstat(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }
}
