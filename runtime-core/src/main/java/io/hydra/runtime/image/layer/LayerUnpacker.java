package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.LayerDescriptor;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unpacks an OCI/Docker layer tar into a directory in overlayfs's lower-dir format: {@code .wh.NAME} becomes a
 * whiteout (char device 0:0 named NAME), {@code .wh..wh..opq} makes its dir opaque
 * ({@code trusted.overlay.opaque=y}). Regular files, dirs, symlinks (targets kept verbatim: they resolve inside the
 * container's root at run time), hard links to entries already in this layer, and fifos are created with their
 * owners, modes (setuid kept), mtimes (symlinks' own) and the xattrs {@link Xattrs} keeps.
 * <p>
 * Refused, naming the entry: paths that are absolute, contain {@code ..} or NUL, or pass through a symlink; hard
 * links to a missing entry or a directory; device nodes; sparse and other special entries; a file whose data is
 * shorter than its header says; a {@code trusted.*} xattr. The target dir must be private to the caller while it is
 * unpacked (a staging dir), which is what makes checking paths with lstat sound.
 */
public final class LayerUnpacker {
    private static final Logger LOG = Logger.getLogger(LayerUnpacker.class);
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final byte[] OPAQUE_VALUE = {'y'};

    /**
     * Unpacks a layer blob, verifying its digest, size and diffId while streaming; the dir is left partly written
     * on error (callers unpack into a staging dir and delete it).
     *
     * @param what names the layer in errors: {@code "image busybox:latest, layer sha256:..."}
     */
    public void unpackBlob(InputStream blob, LayerDescriptor layer, Path dir, String what) {
        try (LayerBlobStream stream = new LayerBlobStream(blob, layer, what)) {
            unpack(stream.tar(), dir, what);
            stream.finish();
        } catch (IOException e) {
            throw HydraException.invalid(what + ": cannot read the layer (" + describe(e) + ")");
        }
    }

    /** Unpacks an uncompressed tar whose integrity the caller has checked (a writable layer read back). */
    public void unpackTar(InputStream tar, Path dir, String what) {
        try {
            unpack(tar, dir, what);
            tar.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw HydraException.invalid(what + ": cannot read the archive (" + describe(e) + ")");
        }
    }

    private void unpack(InputStream tar, Path dir, String what) throws IOException {
        SafePath safe = new SafePath(dir);
        Map<Path, FileTime> dirTimes = new LinkedHashMap<>();
        // not closed: closing would close the blob stream before its end is digested
        TarArchiveInputStream in = new BoundedTarInputStream(tar);
        TarArchiveEntry entry;
        while ((entry = nextEntry(in, what)) != null) {
            try {
                unpackEntry(in, entry, safe, dirTimes);
            } catch (BadEntryException e) {
                throw HydraException.invalid(what + ": entry '" + printable(entry.getName()) + "': " + e.getMessage());
            } catch (IOException e) {
                throw HydraException.invalid(what + ": entry '" + printable(entry.getName()) + "': " + describe(e));
            } catch (java.nio.file.InvalidPathException e) {
                // the JVM encodes file names in the locale's charset: under LANG=C that is ASCII
                throw HydraException.invalid(what + ": entry '" + printable(entry.getName()) + "': its name cannot be"
                        + " written as a file name (" + e.getReason() + "); run the daemon with a UTF-8 locale (LC_ALL=C.UTF-8)");
            }
        }
        // dirs' mtimes last, deepest first, since creating their children changed them
        List<Map.Entry<Path, FileTime>> dirs = new ArrayList<>(dirTimes.entrySet());
        for (int i = dirs.size() - 1; i >= 0; i--) {
            setMtime(dirs.get(i).getKey(), dirs.get(i).getValue());
        }
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream in, String what) throws IOException {
        try {
            return in.getNextEntry();
        } catch (IllegalArgumentException e) { // commons-compress reports some malformed headers this way
            throw new IOException("malformed tar header: " + e.getMessage(), e);
        }
    }

    private void unpackEntry(TarArchiveInputStream in, TarArchiveEntry entry, SafePath safe, Map<Path, FileTime> dirTimes)
            throws BadEntryException, IOException {
        EntryPath path = EntryPath.parse(entry.getName());
        if (!path.isRoot() && path.last().startsWith(WHITEOUT)) {
            whiteout(path, entry, safe, dirTimes);
            return;
        }
        if (entry.isCharacterDevice() || entry.isBlockDevice()) {
            throw new BadEntryException((entry.isCharacterDevice() ? "character" : "block")
                    + " device nodes are not allowed in a layer");
        }
        if (entry.isSparse()) {
            throw new BadEntryException("sparse files are not supported");
        }
        Map<String, byte[]> xattrs = xattrs(entry);
        if (path.isRoot()) {
            if (!entry.isDirectory()) {
                throw new BadEntryException("the layer's root must be a directory");
            }
            applyMetadata(safe.root(), entry, xattrs);
            dirTimes.put(safe.root(), entry.getLastModifiedTime());
            return;
        }
        Path target = safe.resolveCreatingParents(path);
        BasicFileAttributes existing = SafePath.lstat(target);
        if (entry.isDirectory()) {
            if (existing == null || !existing.isDirectory()) {
                removeExisting(target, existing, dirTimes);
                Files.createDirectory(target);
            }
            applyMetadata(target, entry, xattrs);
            dirTimes.put(target, entry.getLastModifiedTime());
        } else if (entry.isLink()) {
            hardLink(entry, safe, target, existing, dirTimes);
        } else if (entry.isSymbolicLink()) {
            String linkTarget = entry.getLinkName();
            if (linkTarget == null || linkTarget.isEmpty() || linkTarget.indexOf('\0') >= 0) {
                throw new BadEntryException("symlink target is empty or contains NUL");
            }
            removeExisting(target, existing, dirTimes);
            LibCalls.symlink(linkTarget, target);
            applyMetadata(target, entry, xattrs);
        } else if (entry.isFIFO()) {
            removeExisting(target, existing, dirTimes);
            LibCalls.mkfifo(target, 0600);
            applyMetadata(target, entry, xattrs);
        } else if (entry.isFile()) {
            removeExisting(target, existing, dirTimes);
            writeFile(in, entry, target);
            applyMetadata(target, entry, xattrs);
        } else {
            throw new BadEntryException("unsupported entry type (only files, dirs, symlinks, hard links and fifos)");
        }
    }

    private static void whiteout(EntryPath path, TarArchiveEntry entry, SafePath safe, Map<Path, FileTime> dirTimes)
            throws BadEntryException, IOException {
        String name = path.last();
        if (entry.isDirectory() || entry.isLink() || entry.isSymbolicLink() || entry.isCharacterDevice()
                || entry.isBlockDevice() || entry.isFIFO() || entry.getSize() != 0) {
            // a whiteout marker has no content; anything else named so would be silently misread
            throw new BadEntryException("a whiteout entry must be an empty regular file");
        }
        if (name.equals(OPAQUE)) {
            Path dir = path.parent().isRoot() ? safe.root() : safe.resolveCreatingParents(path.parent());
            BasicFileAttributes attributes = SafePath.lstat(dir);
            if (attributes == null) {
                Files.createDirectory(dir);
                LibCalls.chmod(dir, 0755);
            } else if (!attributes.isDirectory()) {
                throw new BadEntryException("opaque marker inside '" + path.parent() + "', which is not a directory");
            }
            Xattrs.set(dir, Xattrs.OPAQUE, OPAQUE_VALUE);
            return;
        }
        if (name.startsWith(WHITEOUT + WHITEOUT)) {
            LOG.debugf("skipping aufs metadata entry %s", path); // .wh..wh.plnk and the like: aufs's own bookkeeping
            return;
        }
        String hidden = name.substring(WHITEOUT.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw new BadEntryException("whiteout of an invalid name");
        }
        Path target = safe.resolveCreatingParents(path.sibling(hidden));
        removeExisting(target, SafePath.lstat(target), dirTimes);
        LibCalls.whiteout(target);
    }

    private static void hardLink(TarArchiveEntry entry, SafePath safe, Path target, BasicFileAttributes existing,
            Map<Path, FileTime> dirTimes) throws BadEntryException, IOException {
        String linkName = entry.getLinkName();
        EntryPath linkPath;
        try {
            linkPath = EntryPath.parse(linkName);
        } catch (BadEntryException e) {
            throw new BadEntryException("hard link to '" + printable(linkName) + "': " + e.getMessage());
        }
        if (linkPath.isRoot()) {
            throw new BadEntryException("hard link to the layer's root");
        }
        Path source;
        try {
            source = safe.resolveExisting(linkPath);
        } catch (BadEntryException e) {
            throw new BadEntryException("hard link to '" + linkPath + "', which is not an entry of this layer: " + e.getMessage());
        }
        BasicFileAttributes attributes = SafePath.lstat(source);
        if (attributes.isDirectory() || attributes.isOther() && !isFifo(source)) {
            throw new BadEntryException("hard link to '" + linkPath + "', which is not a file, symlink or fifo");
        }
        if (source.equals(target)) {
            return;
        }
        removeExisting(target, existing, dirTimes);
        Files.createLink(target, source); // link(2) does not follow a symlink source on Linux
    }

    private static boolean isFifo(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == LibC.S_IFIFO;
    }

    private static void writeFile(TarArchiveInputStream in, TarArchiveEntry entry, Path target)
            throws BadEntryException, IOException {
        long written = 0;
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                written += n;
            }
        }
        if (written != entry.getSize()) {
            throw new BadEntryException("the header says " + entry.getSize() + " bytes but the archive holds " + written);
        }
    }

    /** Later entries replace earlier ones, as with docker; a dir replaced by a non-dir goes with its contents. */
    private static void removeExisting(Path target, BasicFileAttributes existing, Map<Path, FileTime> dirTimes)
            throws IOException {
        if (existing == null) {
            return;
        }
        if (existing.isDirectory()) {
            LibCalls.deleteRecursively(target);
            // the dirs it held are gone: their stored times must not be applied to whatever takes their names
            dirTimes.keySet().removeIf(dir -> dir.startsWith(target));
        } else {
            Files.delete(target);
        }
    }

    private static void applyMetadata(Path target, TarArchiveEntry entry, Map<String, byte[]> xattrs)
            throws BadEntryException, IOException {
        long uid = entry.getLongUserId();
        long gid = entry.getLongGroupId();
        if (uid < 0 || uid > 0xfffffffeL || gid < 0 || gid > 0xfffffffeL) {
            throw new BadEntryException("owner " + uid + ":" + gid + " is out of range");
        }
        LibCalls.lchown(target, (int) uid, (int) gid);
        boolean symlink = entry.isSymbolicLink();
        if (!symlink) {
            // after chown, which clears setuid and setgid bits
            LibCalls.chmod(target, entry.getMode() & 07777);
        }
        for (Map.Entry<String, byte[]> xattr : xattrs.entrySet()) {
            if (symlink && xattr.getKey().startsWith("user.")) {
                continue; // Linux allows user.* xattrs only on files and dirs
            }
            Xattrs.set(target, xattr.getKey(), xattr.getValue());
        }
        if (!entry.isDirectory()) {
            setMtime(target, entry.getLastModifiedTime());
        }
    }

    private static void setMtime(Path target, FileTime mtime) throws IOException {
        if (mtime != null) {
            LibCalls.setTimes(target, mtime);
        }
    }

    /**
     * The entry's xattrs that {@link Xattrs} keeps. {@code LIBARCHIVE.xattr.*} values are base64 and exact;
     * {@code SCHILY.xattr.*} values are raw bytes that commons-compress has decoded as UTF-8, so one that did not
     * decode cleanly cannot be restored exactly and is dropped with a warning rather than written corrupted.
     */
    private static Map<String, byte[]> xattrs(TarArchiveEntry entry) throws BadEntryException {
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : entry.getExtraPaxHeaders().entrySet()) {
            String key = header.getKey();
            String name;
            byte[] value;
            if (key.startsWith("SCHILY.xattr.")) {
                name = key.substring("SCHILY.xattr.".length());
                if (header.getValue().indexOf('\uFFFD') >= 0) {
                    if (Xattrs.verdict(name) == Xattrs.Verdict.REFUSE) {
                        throw new BadEntryException("xattr " + name + " is not allowed in a layer (overlayfs's namespace)");
                    }
                    LOG.warnf("entry %s: dropping xattr %s, whose binary value the tar reader cannot return exactly",
                            printable(entry.getName()), name);
                    continue;
                }
                value = header.getValue().getBytes(StandardCharsets.UTF_8);
            } else if (key.startsWith("LIBARCHIVE.xattr.")) {
                name = URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
                try {
                    value = Base64.getDecoder().decode(header.getValue());
                } catch (IllegalArgumentException e) {
                    throw new BadEntryException("xattr " + name + " has a value that is not base64");
                }
            } else {
                continue;
            }
            if (name.isEmpty() || name.indexOf('\0') >= 0) {
                throw new BadEntryException("xattr with an empty name or a NUL byte in it");
            }
            switch (Xattrs.verdict(name)) {
                case REFUSE -> throw new BadEntryException("xattr " + name + " is not allowed in a layer (overlayfs's namespace)");
                case DROP -> LOG.debugf("entry %s: dropping host-specific xattr %s", printable(entry.getName()), name);
                case KEEP -> xattrs.put(name, value);
            }
        }
        return xattrs;
    }

    /** The name as it can be shown in a message: control characters (NUL included) escaped. */
    static String printable(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
