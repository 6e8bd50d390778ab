package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an overlay upper dir as an OCI-style layer tar: whiteouts (char devices 0:0) as {@code .wh.NAME}, opaque
 * dirs as {@code .wh..wh..opq}, hard links as links to the first name in the walk, xattrs that {@link Xattrs}
 * keeps as {@code LIBARCHIVE.xattr.*} PAX records (base64, so binary values such as file capabilities are exact).
 * Mtimes survive to the 100 ns the PAX records Commons Compress writes hold.
 * Names are visited in sorted order and only stable metadata is written (no atime or ctime), so an unchanged
 * upper dir gives a byte-identical tar, which the chunked checkpoint store deduplicates.
 * <p>
 * Refused: device nodes the container made (they could not be imported back) and names beginning with
 * {@code .wh.} (the archive would read them as whiteouts). Sockets are skipped: a socket file is meaningless
 * without the process that bound it, and tar cannot hold one.
 */
final class UpperArchiver {
    private record Inode(long dev, long ino) {
    }

    private final Path upper;
    private final Map<Inode, String> firstNames = new HashMap<>();

    private UpperArchiver(Path upper) {
        this.upper = upper;
    }

    static void write(Path upper, OutputStream out) throws IOException {
        BufferedOutputStream buffered = new BufferedOutputStream(out, 64 * 1024);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(buffered, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        UpperArchiver archiver = new UpperArchiver(upper);
        archiver.root(tar);
        int fd = archiver.open(upper.toString(), LibC.O_DIRECTORY, ".");
        try {
            archiver.walk(fd, "", tar);
        } finally {
            LibC.INSTANCE.close(fd);
        }
        tar.finish();
        buffered.flush(); // the tar stream's flush does not reach the buffer; out stays open for its owner
    }

    /** The upper dir's own owner, mode and mtime ({@code chmod 700 /} in the container), as the entry {@code ./}. */
    private void root(TarArchiveOutputStream tar) throws IOException {
        Map<String, Object> stat = Files.readAttributes(upper, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        TarArchiveEntry entry = new TarArchiveEntry("./", TarConstants.LF_DIR, true);
        describe(entry, upper, stat);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    /**
     * Walks the dir open as {@code dirFd}. Every path used is {@code /proc/self/fd/<dirFd>/<name>}: the kernel
     * reaches the dir through the open fd, not by its path, and only the last component is looked up, never
     * followed. A container that swaps a dir for {@code d -> /} while this runs cannot lead the walk out of the
     * upper dir: the dir is opened with O_NOFOLLOW|O_DIRECTORY and its dev/ino must be the ones just seen.
     */
    private void walk(int dirFd, String prefix, TarArchiveOutputStream tar) throws IOException {
        Path dir = Path.of("/proc/self/fd/" + dirFd);
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        for (Path child : children) {
            String name = prefix + child.getFileName();
            Map<String, Object> stat = Files.readAttributes(child, "unix:mode,ino,dev,nlink,uid,gid,rdev,lastModifiedTime,size",
                    LinkOption.NOFOLLOW_LINKS);
            requireUtf8Name(dir, child, prefix);
            int mode = (Integer) stat.get("mode");
            int type = mode & 0170000;
            if (child.getFileName().toString().startsWith(".wh.")) {
                throw refused(name, "its name begins with .wh., which a layer archive reserves for whiteouts");
            }
            switch (type) {
                case 0040000 -> {
                    TarArchiveEntry entry = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
                    describe(entry, child, stat);
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                    byte[] opaque = Xattrs.get(child, Xattrs.OPAQUE);
                    if (opaque != null && opaque.length == 1 && opaque[0] == 'y') {
                        TarArchiveEntry marker = new TarArchiveEntry(name + "/.wh..wh..opq", TarConstants.LF_NORMAL);
                        marker.setModTime(entry.getLastModifiedTime());
                        tar.putArchiveEntry(marker);
                        tar.closeArchiveEntry();
                    }
                    int fd = openSame(child, LibC.O_DIRECTORY, name, stat);
                    try {
                        walk(fd, name + "/", tar);
                    } finally {
                        LibC.INSTANCE.close(fd);
                    }
                }
                case 0100000 -> {
                    Inode inode = new Inode((Long) stat.get("dev"), (Long) stat.get("ino"));
                    String first = (Integer) stat.get("nlink") > 1 ? firstNames.putIfAbsent(inode, name) : null;
                    if (first != null) {
                        TarArchiveEntry link = new TarArchiveEntry(name, TarConstants.LF_LINK);
                        link.setLinkName(first);
                        describe(link, child, stat);
                        link.setSize(0);
                        tar.putArchiveEntry(link);
                        tar.closeArchiveEntry();
                    } else {
                        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
                        describe(entry, child, stat);
                        entry.setSize((Long) stat.get("size"));
                        tar.putArchiveEntry(entry);
                        // O_NONBLOCK: a fifo swapped in for the file must not block the daemon in open(2)
                        int fd = openSame(child, LibC.O_NONBLOCK, name, stat);
                        try (InputStream in = Files.newInputStream(Path.of("/proc/self/fd/" + fd))) {
                            long copied = in.transferTo(tar);
                            if (copied != entry.getSize()) {
                                throw refused(name, "it changed size while being archived (is the container still running?)");
                            }
                        } finally {
                            LibC.INSTANCE.close(fd);
                        }
                        tar.closeArchiveEntry();
                    }
                }
                case 0120000 -> {
                    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                    try {
                        entry.setLinkName(Files.readSymbolicLink(child).toString());
                    } catch (java.nio.file.NotLinkException e) {
                        throw refused(name, "it was replaced while being archived (is the container still running?)");
                    }
                    describe(entry, child, stat);
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                }
                case 0010000 -> {
                    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_FIFO);
                    describe(entry, child, stat);
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                }
                case 0020000 -> {
                    if ((Long) stat.get("rdev") != 0) {
                        throw refused(name, "it is a character device, which cannot be carried in a layer");
                    }
                    String parent = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
                    TarArchiveEntry whiteout = new TarArchiveEntry(parent + ".wh." + child.getFileName(), TarConstants.LF_NORMAL);
                    whiteout.setModTime((FileTime) stat.get("lastModifiedTime"));
                    tar.putArchiveEntry(whiteout);
                    tar.closeArchiveEntry();
                }
                case 0140000 -> {
                    // a socket: skipped (see the class comment)
                }
                default -> throw refused(name, "it is a block device, which cannot be carried in a layer");
            }
        }
    }

    /** Opens {@code path} (its last component not followed) and checks it is still the inode {@code stat} saw. */
    private int openSame(Path path, int flags, String name, Map<String, Object> stat) throws IOException {
        int fd = open(path.toString(), flags, name);
        try {
            Map<String, Object> opened = Files.readAttributes(Path.of("/proc/self/fd/" + fd), "unix:ino,dev");
            if (!opened.get("ino").equals(stat.get("ino")) || !opened.get("dev").equals(stat.get("dev"))) {
                throw refused(name, "it was replaced while being archived (is the container still running?)");
            }
            return fd;
        } catch (IOException | RuntimeException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
    }

    private int open(String path, int flags, String name) {
        int fd = LibC.INSTANCE.open(path, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC | flags);
        if (fd < 0) {
            throw refused(name, "cannot open it without following a symlink (" + LibC.lastError()
                    + "; was it replaced while being archived?)");
        }
        return fd;
    }

    /**
     * A name whose bytes are not UTF-8 reads back as U+FFFD, so {@code a\xff} and {@code a\xfe} would both be
     * written as one name and a restore would keep one of them: refused unless the name as text encodes back to
     * the same bytes (Paths compare their bytes).
     */
    private void requireUtf8Name(Path dir, Path child, String prefix) {
        String text = child.getFileName().toString();
        boolean exact;
        try {
            exact = dir.resolve(text).equals(child);
        } catch (java.nio.file.InvalidPathException e) {
            exact = false;
        }
        if (!exact) {
            throw refused(prefix + LayerUnpacker.printable(text), "its name is not valid UTF-8 (or not in the daemon's"
                    + " locale), so the archive cannot hold it exactly; rename it");
        }
    }

    private static void describe(TarArchiveEntry entry, Path path, Map<String, Object> stat) throws IOException {
        entry.setMode((Integer) stat.get("mode") & 07777);
        entry.setUserId(((Integer) stat.get("uid")).longValue() & 0xffffffffL);
        entry.setGroupId(((Integer) stat.get("gid")).longValue() & 0xffffffffL);
        entry.setUserName("");
        entry.setGroupName("");
        entry.setModTime((FileTime) stat.get("lastModifiedTime"));
        for (Map.Entry<String, byte[]> xattr : Xattrs.keptOf(path).entrySet()) {
            entry.addPaxHeader("LIBARCHIVE.xattr." + URLEncoder.encode(xattr.getKey(), StandardCharsets.UTF_8),
                    Base64.getEncoder().encodeToString(xattr.getValue()));
        }
    }

    private HydraException refused(String name, String reason) {
        return HydraException.invalid("cannot archive the writable layer " + upper + ": '" + name + "': " + reason);
    }
}
