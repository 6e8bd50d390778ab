package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The files of a local image directory, in a stable order (by relative path). Only regular files and directories
 * are accepted: a symbolic link could make a checkpoint read, and a restore write, outside the directory, and CRIU
 * never writes one, so finding one means something else is in the directory.
 */
final class ImageScanner {
    private ImageScanner() {
    }

    /** A file to upload. */
    record ImageFile(Path path, String relativePath, int mode, long size) {
    }

    static List<ImageFile> scan(Path imageDir) throws IOException {
        Path root = imageDir.toRealPath();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("image directory " + imageDir + " is not a directory");
        }
        List<ImageFile> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String relative = relativePath(root, file);
                if (!attrs.isRegularFile()) {
                    throw new IOException("image directory " + imageDir + " contains " + relative + ", which is "
                            + (attrs.isSymbolicLink() ? "a symbolic link" : "not a regular file") + ": refused");
                }
                String problem = ManifestCodec.pathProblem(relative);
                if (problem != null) {
                    throw new IOException("image file path '" + relative + "' " + problem);
                }
                PosixFileAttributes posix = Files.readAttributes(file, PosixFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                files.add(new ImageFile(file, relative, mode(posix.permissions()), posix.size()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw e;
            }
        });
        files.sort(Comparator.comparing(ImageFile::relativePath));
        return files;
    }

    private static String relativePath(Path root, Path file) {
        Path relative = root.relativize(file);
        StringBuilder path = new StringBuilder();
        for (Path name : relative) {
            if (path.length() > 0) {
                path.append('/');
            }
            path.append(name);
        }
        return path.toString();
    }

    static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission permission : permissions) {
            // The enum runs OWNER_READ .. OTHERS_EXECUTE, i.e. bit 8 down to bit 0.
            mode |= 1 << (8 - permission.ordinal());
        }
        return mode;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - permission.ordinal()))) != 0) {
                permissions.add(permission);
            }
        }
        return permissions;
    }
}
