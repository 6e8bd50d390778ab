package io.hydra.runtime.container;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import io.hydra.runtime.HydraException;

/**
 * The identity the container's process runs as: {@code -u UID[:GID]} or {@code name[:group]} (or an image's User),
 * names looked up in the container's own /etc/passwd and /etc/group (never the host's), and the supplementary
 * groups that list the user, as docker does.
 */
record ContainerUser(long uid, long gid, List<Long> additionalGids) {
    /** A passwd or group file larger than this is not read: it is not one a container image ships. */
    private static final long MAX_FILE_BYTES = 4 << 20;
    private static final long MAX_ID = 0xFFFF_FFFEL;
    static final ContainerUser ROOT = new ContainerUser(0, 0, List.of());

    ContainerUser {
        additionalGids = List.copyOf(additionalGids);
    }

    /** Resolves {@code spec} in {@code rootfs}; null or empty is root. */
    static ContainerUser resolve(Path rootfs, String spec) {
        if (spec == null || spec.isEmpty()) {
            return ROOT;
        }
        String[] parts = spec.split(":", -1);
        if (parts.length > 2 || parts[0].isEmpty() || parts.length == 2 && parts[1].isEmpty()) {
            throw HydraException.invalid("user '" + spec + "' is not UID[:GID] or NAME[:GROUP]");
        }
        List<String[]> passwd = entries(rootfs, "/etc/passwd", 7);
        String userPart = parts[0];
        Optional<String[]> entry;
        long uid;
        if (isNumber(userPart)) {
            uid = id(userPart, spec);
            entry = passwd.stream().filter(e -> e[2].equals(userPart)).findFirst();
        } else {
            entry = passwd.stream().filter(e -> e[0].equals(userPart)).findFirst();
            if (entry.isEmpty()) {
                throw HydraException.invalid("user '" + userPart + "' is not in the container's /etc/passwd ("
                        + rootfs + "): give a UID or a name it lists");
            }
            uid = id(entry.get()[2], "/etc/passwd entry of " + userPart);
        }
        List<String[]> groups = entries(rootfs, "/etc/group", 4);
        long gid;
        if (parts.length == 2) {
            String groupPart = parts[1];
            if (isNumber(groupPart)) {
                gid = id(groupPart, spec);
            } else {
                String[] group = groups.stream().filter(g -> g[0].equals(groupPart)).findFirst()
                        .orElseThrow(() -> HydraException.invalid("group '" + groupPart + "' is not in the"
                                + " container's /etc/group (" + rootfs + "): give a GID or a group it lists"));
                gid = id(group[2], "/etc/group entry of " + groupPart);
            }
        } else {
            gid = entry.isPresent() ? id(entry.get()[3], "/etc/passwd entry of " + userPart) : 0;
        }
        TreeSet<Long> extra = new TreeSet<>();
        if (entry.isPresent()) {
            String name = entry.get()[0];
            for (String[] g : groups) {
                if (List.of(g[3].split(",")).contains(name) && isNumber(g[2])) {
                    long member = id(g[2], "/etc/group entry of " + g[0]);
                    if (member != gid) {
                        extra.add(member);
                    }
                }
            }
        }
        return new ContainerUser(uid, gid, new ArrayList<>(extra));
    }

    private static boolean isNumber(String s) {
        return s.matches("[0-9]{1,10}");
    }

    private static long id(String text, String where) {
        if (!isNumber(text) || Long.parseLong(text) > MAX_ID) {
            throw HydraException.invalid("'" + text + "' in " + where + " is not a valid id (0 to " + MAX_ID + ")");
        }
        return Long.parseLong(text);
    }

    /** The lines of a colon-separated file of the rootfs with at least {@code fields} fields; none if absent. */
    private static List<String[]> entries(Path rootfs, String file, int fields) {
        Optional<Path> path = BundlePreparer.resolveInRoot(rootfs, file);
        if (path.isEmpty() || !Files.isRegularFile(path.get(), LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        String text;
        try (InputStream in = Files.newInputStream(path.get(), LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw HydraException.invalid("the container's " + file + " (" + rootfs + ") is larger than "
                        + MAX_FILE_BYTES + " bytes; not reading it");
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw HydraException.invalid("cannot read the container's " + file + " (" + rootfs + "): " + e.getMessage());
        }
        List<String[]> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length >= fields) {
                out.add(f);
            }
        }
        return out;
    }
}
