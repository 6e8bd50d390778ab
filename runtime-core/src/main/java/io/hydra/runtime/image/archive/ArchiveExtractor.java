package io.hydra.runtime.image.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.layer.BoundedTarInputStream;

/**
 * Unpacks an image archive (an {@code oci-archive} or {@code docker-archive} tar, as skopeo and {@code docker save}
 * write them) into an empty directory. Such an archive holds directories, regular files and (legacy {@code docker save})
 * relative symlinks to its own files, which become hard links to them: a hard link, device or other special entry, an absolute name or one with {@code ..} is refused with its name, as is anything that would
 * land outside the directory. Entry contents are bounded by the tar headers (Commons Compress never reads past an
 * entry), and nothing is executed or given its recorded owner or mode.
 */
final class ArchiveExtractor {
    private ArchiveExtractor() {
    }

    static void extract(Path archive, Path into) {
        Path root = into.toAbsolutePath().normalize();
        try (InputStream file = Files.newInputStream(archive);
             TarArchiveInputStream tar = new BoundedTarInputStream(new BufferedInputStream(file))) {
            TarArchiveEntry entry;
            int count = 0;
            Map<Path, Path> links = new LinkedHashMap<>(); // link -> the file it names, made once all files are out
            while ((entry = tar.getNextEntry()) != null) {
                count++;
                String name = entry.getName();
                Path target = safeTarget(root, name, archive);
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (isRegularFile(entry)) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                } else if (entry.isSymbolicLink()) {
                    links.put(target, linkedFile(root, target, name, entry.getLinkName(), archive));
                } else {
                    throw HydraException.invalid("image archive " + archive + ": entry '" + name + "' is a hard link or"
                            + " special file; an image archive holds only files, directories and symlinks between them");
                }
            }
            if (count == 0) {
                throw HydraException.invalid(archive + " is not a tar archive (or is empty)");
            }
            for (Map.Entry<Path, Path> link : links.entrySet()) {
                materialize(root, link.getKey(), link.getValue(), archive);
            }
        } catch (IOException e) {
            throw HydraException.invalid("image archive " + archive + " cannot be read as a tar: " + e.getMessage());
        }
    }

    /**
     * Where a symlink entry points, checked to be a relative path that stays in the dir lexically (legacy
     * {@code docker save} links {@code <id>/layer.tar} to {@code ../<id2>/layer.tar}).
     */
    private static Path linkedFile(Path root, Path link, String name, String linkName, Path archive) {
        if (linkName == null || linkName.isEmpty() || linkName.startsWith("/") || linkName.indexOf('\0') >= 0) {
            throw HydraException.invalid("image archive " + archive + ": symlink '" + name + "' -> '" + linkName
                    + "' must name a file of the archive by a relative path");
        }
        Path file = link.getParent().resolve(linkName).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw HydraException.invalid("image archive " + archive + ": symlink '" + name + "' -> '" + linkName
                    + "' points outside the archive");
        }
        return file;
    }

    /**
     * Makes a symlink entry a hard link to the regular file it names, reached without any symlink: the extracted
     * tree then holds no symlinks at all, so nothing read from it later can be led outside it.
     */
    private static void materialize(Path root, Path link, Path file, Path archive) throws IOException {
        Path current = root;
        for (Path part : root.relativize(file)) {
            current = current.resolve(part);
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(current)) {
                throw HydraException.invalid("image archive " + archive + ": symlink '" + root.relativize(link)
                        + "' -> '" + root.relativize(file) + "' does not name a file of the archive");
            }
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw HydraException.invalid("image archive " + archive + ": symlink '" + root.relativize(link)
                    + "' -> '" + root.relativize(file) + "' does not name a regular file");
        }
        Files.createDirectories(link.getParent());
        Files.deleteIfExists(link);
        Files.createLink(link, file);
    }

    /** Not {@link TarArchiveEntry#isFile}, which says true of a symlink, hard link or device whose name lacks a '/'. */
    private static boolean isRegularFile(TarArchiveEntry entry) {
        byte type = entry.getLinkFlag();
        return type == TarConstants.LF_NORMAL || type == TarConstants.LF_OLDNORM || type == TarConstants.LF_CONTIG;
    }

    static Path safeTarget(Path root, String name, Path archive) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        if (n.isEmpty() || n.equals(".") || n.equals("./")) {
            return root;
        }
        if (n.startsWith("/") || n.contains("\0")) {
            throw HydraException.invalid("image archive " + archive + ": entry '" + name + "' has an absolute name");
        }
        for (String segment : n.split("/")) {
            if (segment.equals("..")) {
                throw HydraException.invalid("image archive " + archive + ": entry '" + name + "' climbs out with ..");
            }
        }
        Path target = root.resolve(n).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw HydraException.invalid("image archive " + archive + ": entry '" + name + "' lands outside the"
                    + " extraction directory");
        }
        return target;
    }
}
