package io.hydra.runtime.image.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.layer.BoundedTarInputStream;

/**
 * Unpacks an image archive (an {@code oci-archive} or {@code docker-archive} tar, as skopeo and {@code docker save}
 * write them) into an empty directory. Such an archive holds only directories and regular files: a link, device or
 * other special entry, an absolute name or one with {@code ..} is refused with its name, as is anything that would
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
            while ((entry = tar.getNextEntry()) != null) {
                count++;
                String name = entry.getName();
                Path target = safeTarget(root, name, archive);
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    throw HydraException.invalid("image archive " + archive + ": entry '" + name + "' is a link or"
                            + " special file; an image archive holds only files and directories");
                }
            }
            if (count == 0) {
                throw HydraException.invalid(archive + " is not a tar archive (or is empty)");
            }
        } catch (IOException e) {
            throw HydraException.invalid("image archive " + archive + " cannot be read as a tar: " + e.getMessage());
        }
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
