package io.hydra.runtime.image.layer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Extended attributes read and written without following symlinks, and the policy of which ones a layer may carry.
 * <p>
 * Kept: {@code user.*} (the application's own) and {@code security.capability} (file capabilities, which images
 * such as ping rely on). Refused: {@code trusted.*}, because overlayfs keeps its own metadata there
 * ({@code trusted.overlay.opaque}, {@code .redirect}, {@code .metacopy}): a layer that could set them could forge
 * whiteouts or redirect lookups to other layers' files. Dropped: every other namespace ({@code security.selinux}
 * and other LSM labels, {@code system.*} ACLs), which describe the host that built the image, not the image.
 */
final class Xattrs {
    static final String OPAQUE = "trusted.overlay.opaque";

    enum Verdict { KEEP, REFUSE, DROP }

    private Xattrs() {
    }

    static Verdict verdict(String name) {
        if (name.startsWith("trusted.")) {
            return Verdict.REFUSE;
        }
        if (name.startsWith("user.") && name.length() > "user.".length() || name.equals("security.capability")) {
            return Verdict.KEEP;
        }
        return Verdict.DROP;
    }

    static void set(Path path, String name, byte[] value) throws IOException {
        if (LibC.INSTANCE.lsetxattr(path.toString(), name, value, value.length, 0) != 0) {
            throw new IOException("cannot set xattr " + name + " on " + path + ": " + LibC.lastError());
        }
    }

    /** The attribute's value, or null when the file does not have it. */
    static byte[] get(Path path, String name) throws IOException {
        for (int attempt = 0; attempt < 8; attempt++) {
            long size = LibC.INSTANCE.lgetxattr(path.toString(), name, null, 0);
            if (size < 0) {
                int errno = LibC.errno();
                if (errno == LibC.ENODATA || errno == LibC.ENOTSUP) {
                    return null;
                }
                throw new IOException("cannot read xattr " + name + " of " + path + ": " + LibC.lastError());
            }
            byte[] value = new byte[(int) size];
            long read = LibC.INSTANCE.lgetxattr(path.toString(), name, value, value.length);
            if (read >= 0) {
                return read == value.length ? value : java.util.Arrays.copyOf(value, (int) read);
            }
            if (LibC.errno() != LibC.ERANGE) { // ERANGE: it grew between the two calls; ask again
                throw new IOException("cannot read xattr " + name + " of " + path + ": " + LibC.lastError());
            }
        }
        throw new IOException("xattr " + name + " of " + path + " keeps changing size");
    }

    static List<String> list(Path path) throws IOException {
        for (int attempt = 0; attempt < 8; attempt++) {
            long size = LibC.INSTANCE.llistxattr(path.toString(), null, 0);
            if (size < 0) {
                if (LibC.errno() == LibC.ENOTSUP) {
                    return List.of();
                }
                throw new IOException("cannot list xattrs of " + path + ": " + LibC.lastError());
            }
            byte[] names = new byte[(int) size];
            long read = LibC.INSTANCE.llistxattr(path.toString(), names, names.length);
            if (read >= 0) {
                List<String> result = new ArrayList<>();
                int start = 0;
                for (int i = 0; i < read; i++) {
                    if (names[i] == 0) {
                        if (i > start) {
                            result.add(new String(names, start, i - start, StandardCharsets.UTF_8));
                        }
                        start = i + 1;
                    }
                }
                return result;
            }
            if (LibC.errno() != LibC.ERANGE) {
                throw new IOException("cannot list xattrs of " + path + ": " + LibC.lastError());
            }
        }
        throw new IOException("xattr list of " + path + " keeps changing size");
    }

    /** The attributes of {@code path} that {@link #verdict} keeps, sorted by name. */
    static Map<String, byte[]> keptOf(Path path) throws IOException {
        Map<String, byte[]> kept = new TreeMap<>();
        for (String name : list(path)) {
            if (verdict(name) == Verdict.KEEP) {
                byte[] value = get(path, name);
                if (value != null) {
                    kept.put(name, value);
                }
            }
        }
        return kept;
    }
}
