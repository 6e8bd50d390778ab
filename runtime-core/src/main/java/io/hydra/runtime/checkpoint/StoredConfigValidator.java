package io.hydra.runtime.checkpoint;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Checks a container's OCI config read back from a checkpoint, field by field, before a restore may hand it to runc
 * as root. Storage is not trusted (a shared bucket, or a store without a MAC), so anything that would give the
 * restored processes more than the daemon itself gives a container at create is refused, naming the field: hooks
 * (they run on the host), mounts beyond the default set {@code DefaultSpec} and {@code runc spec} generate (a bind
 * mount of a host path), devices, capabilities beyond the default set, joined or missing namespaces, removed masks,
 * sysctls, and a root path other than the one expected. What is per container (the cgroup) is not checked here: the
 * daemon overwrites it (see {@link RestoreConfig}).
 */
final class StoredConfigValidator {
    /** The capabilities {@code runc spec} and DefaultSpec grant; keep in step with DefaultSpec. */
    static final Set<String> DEFAULT_CAPABILITIES = Set.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_SETFCAP");

    /** A mount of the default set: destination, type, source, and the options it must have (no fewer). */
    private record DefaultMount(String type, String source, Set<String> requiredOptions) {
    }

    /** By destination: the mounts of DefaultSpec (the same as {@code runc spec}'s), the only ones allowed. */
    private static final Map<String, DefaultMount> DEFAULT_MOUNTS = Map.of(
            "/proc", new DefaultMount("proc", "proc", Set.of()),
            "/dev", new DefaultMount("tmpfs", "tmpfs", Set.of("nosuid")),
            "/dev/pts", new DefaultMount("devpts", "devpts", Set.of("nosuid", "noexec", "newinstance")),
            "/dev/shm", new DefaultMount("tmpfs", "shm", Set.of("nosuid", "noexec", "nodev")),
            "/dev/mqueue", new DefaultMount("mqueue", "mqueue", Set.of("nosuid", "noexec", "nodev")),
            "/sys", new DefaultMount("sysfs", "sysfs", Set.of("nosuid", "noexec", "nodev", "ro")),
            "/sys/fs/cgroup", new DefaultMount("cgroup", "cgroup", Set.of("nosuid", "noexec", "nodev", "ro")),
            // DefaultSpec adds it with host networking: the host's resolver config, read-only
            "/etc/resolv.conf", new DefaultMount("bind", "/etc/resolv.conf", Set.of("ro")));

    private static final Set<String> TOP_LEVEL = Set.of("ociVersion", "process", "root", "hostname", "domainname",
            "mounts", "hooks", "linux", "annotations");
    private static final Set<String> CAPABILITY_SETS = Set.of("bounding", "effective", "permitted", "inheritable",
            "ambient");
    private static final Set<String> NAMESPACE_TYPES = Set.of("pid", "ipc", "uts", "mount", "network", "cgroup",
            "user");
    /** Without these the container shares the host's processes or mounts. */
    private static final List<String> REQUIRED_NAMESPACES = List.of("pid", "mount", "ipc", "uts");
    private static final List<String> DEFAULT_MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
            "/sys/firmware", "/proc/scsi");
    private static final List<String> DEFAULT_READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");
    /** Propagation that cannot carry the container's mounts back to the host. */
    private static final Set<String> SAFE_PROPAGATION = Set.of("", "private", "rprivate", "slave", "rslave");
    /** Options that undo each other; a mount may hold at most one of each pair. */
    private static final Map<String, String> OPPOSITE_OPTIONS = Map.of("nosuid", "suid", "nodev", "dev",
            "noexec", "exec", "ro", "rw");
    /** Host directories no container may have as its root, whatever storage claims. */
    private static final Set<String> HOST_DIRECTORIES = Set.of("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib",
            "/lib64", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/var/lib");

    private StoredConfigValidator() {
    }

    /** Thrown with the field and why; {@link RestoreConfig} adds which checkpoint it came from. */
    static final class Refused extends Exception {
        Refused(String field, String problem) {
            super(field + " " + problem, null, false, false);
        }
    }

    /**
     * @param expectedRoot the root path the container had when it was checkpointed (the source container's own
     *                     config when it is known here, else what the version recorded)
     * @param daemonRoot   the daemon's root directory: a container root above it is refused
     */
    static void validate(ObjectNode config, String expectedRoot, Path daemonRoot) throws Refused {
        validate(config, expectedRoot, daemonRoot, true, Set.of());
    }

    /**
     * @param rootMustExist false for the root of a container made from an image, which the restore mounts itself
     *                      after this check (the root path is then the daemon's, never the stored one)
     * @param daemonAnnotations the annotations the restore sets itself (the checkpoint backend's): the only ones a
     *                          stored config may carry, since their stored values are replaced, never used
     */
    static void validate(ObjectNode config, String expectedRoot, Path daemonRoot, boolean rootMustExist,
                         Set<String> daemonAnnotations) throws Refused {
        for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!TOP_LEVEL.contains(name)) {
                throw new Refused(name, "is not a field this daemon writes into a container's config");
            }
        }
        hooks(config.get("hooks"));
        annotations(config.get("annotations"), daemonAnnotations);
        root(config.path("root"), expectedRoot, daemonRoot, rootMustExist);
        process(config.path("process"));
        mounts(config.get("mounts"));
        linux(config.path("linux"));
    }

    private static void hooks(JsonNode hooks) throws Refused {
        if (hooks == null || hooks.isNull()) {
            return;
        }
        if (!hooks.isObject()) {
            throw new Refused("hooks", "is not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = hooks.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> hook = it.next();
            if (!hook.getValue().isArray() || !hook.getValue().isEmpty()) {
                throw new Refused("hooks." + hook.getKey(), "is not allowed: hooks run as root on the host, and"
                        + " the daemon never sets any");
            }
        }
    }

    private static void annotations(JsonNode annotations, Set<String> daemonAnnotations) throws Refused {
        if (annotations == null || annotations.isNull()) {
            return;
        }
        if (!annotations.isObject()) {
            throw new Refused("annotations", "is not an object");
        }
        for (Iterator<String> names = annotations.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            // runc and CRIU act on annotations as root (one names CRIU's configuration file, which can load plugins
            // and run action scripts): only the daemon's own pass, because the restore replaces their values
            if (!daemonAnnotations.contains(name)) {
                throw new Refused("annotations." + name, "is not allowed: runc and CRIU act on annotations as root,"
                        + " and the daemon sets only " + (daemonAnnotations.isEmpty() ? "none"
                        : String.join(", ", new TreeSet<>(daemonAnnotations))));
            }
        }
    }

    private static void root(JsonNode root, String expectedRoot, Path daemonRoot, boolean mustExist)
            throws Refused {
        JsonNode path = root.get("path");
        if (path == null || !path.isTextual() || path.asText().isEmpty()) {
            throw new Refused("root.path", "is missing");
        }
        String value = path.asText();
        Path p = Path.of(value);
        if (!p.isAbsolute() || !p.normalize().toString().equals(value)) {
            throw new Refused("root.path", "'" + printable(value) + "' is not an absolute, normalized path");
        }
        if (HOST_DIRECTORIES.contains(value)) {
            throw new Refused("root.path", "'" + value + "' is a host system directory");
        }
        Path daemon = daemonRoot.toAbsolutePath().normalize();
        if (daemon.startsWith(p)) {
            // the daemon's keys and records would be inside the container
            throw new Refused("root.path", "'" + value + "' contains the daemon's root " + daemon);
        }
        if (expectedRoot != null && !expectedRoot.equals(value)) {
            throw new Refused("root.path", "'" + printable(value) + "' differs from the container's root "
                    + expectedRoot);
        }
        if (mustExist && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new Refused("root.path", "'" + value + "' does not exist on this node (or is a symbolic link):"
                    + " a --rootfs or --bundle container's root is used in place, so it can be restored only where"
                    + " that path exists; run it from an image to restore it anywhere");
        }
    }

    private static void process(JsonNode process) throws Refused {
        if (!process.isObject()) {
            throw new Refused("process", "is missing");
        }
        JsonNode caps = process.get("capabilities");
        if (caps != null && !caps.isNull()) {
            if (!caps.isObject()) {
                throw new Refused("process.capabilities", "is not an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = caps.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> set = it.next();
                String field = "process.capabilities." + set.getKey();
                if (!CAPABILITY_SETS.contains(set.getKey())) {
                    throw new Refused(field, "is not a capability set");
                }
                if (!set.getValue().isArray()) {
                    throw new Refused(field, "is not an array");
                }
                for (JsonNode cap : set.getValue()) {
                    if (!cap.isTextual() || !DEFAULT_CAPABILITIES.contains(cap.asText())) {
                        throw new Refused(field, "holds " + printable(cap.asText()) + ", which is beyond the"
                                + " default capability set");
                    }
                }
            }
        }
        JsonNode nnp = process.get("noNewPrivileges");
        if (nnp == null || !nnp.isBoolean() || !nnp.asBoolean()) {
            throw new Refused("process.noNewPrivileges", "must be true (the daemon's default): a setuid binary"
                    + " could otherwise gain privileges");
        }
        JsonNode oomScoreAdj = process.get("oomScoreAdj");
        if (oomScoreAdj != null && oomScoreAdj.asInt(0) < 0) {
            throw new Refused("process.oomScoreAdj", oomScoreAdj.asInt() + " would shield the container from the OOM"
                    + " killer at the host's expense; the daemon never sets a negative one");
        }
        JsonNode apparmor = process.get("apparmorProfile");
        if (apparmor != null && "unconfined".equals(apparmor.asText())) {
            throw new Refused("process.apparmorProfile", "'unconfined' is a privileged setting");
        }
    }

    private static void mounts(JsonNode mounts) throws Refused {
        if (mounts == null || mounts.isNull()) {
            return;
        }
        if (!mounts.isArray()) {
            throw new Refused("mounts", "is not an array");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < mounts.size(); i++) {
            JsonNode m = mounts.get(i);
            String destination = m.path("destination").asText("");
            String field = "mounts[" + i + "] (" + printable(destination) + ")";
            DefaultMount allowed = DEFAULT_MOUNTS.get(destination);
            if (allowed == null) {
                throw new Refused(field, "is an extra mount: only the default set (/proc, /dev, /dev/pts, /dev/shm,"
                        + " /dev/mqueue, /sys, /sys/fs/cgroup, /etc/resolv.conf) may be restored");
            }
            if (!seen.add(destination)) {
                throw new Refused(field, "mounts over the same destination twice");
            }
            String type = m.path("type").asText("");
            String source = m.path("source").asText("");
            if (!allowed.type().equals(type) || !allowed.source().equals(source)) {
                throw new Refused(field, "is a " + printable(type) + " mount of '" + printable(source) + "'; the"
                        + " default is a " + allowed.type() + " mount of '" + allowed.source() + "'");
            }
            Set<String> options = new HashSet<>();
            for (JsonNode o : m.path("options")) {
                options.add(o.asText());
            }
            for (String required : allowed.requiredOptions()) {
                if (!options.contains(required)) {
                    throw new Refused(field + ".options", "lacks '" + required + "'");
                }
            }
            if (options.contains("rw") && allowed.requiredOptions().contains("ro")) {
                throw new Refused(field + ".options", "asks for 'rw' where the default is read-only");
            }
            // mount(8) lets the later option win, so a required one next to its opposite is no guarantee
            for (Map.Entry<String, String> pair : OPPOSITE_OPTIONS.entrySet()) {
                if (options.contains(pair.getKey()) && options.contains(pair.getValue())) {
                    throw new Refused(field + ".options", "holds both '" + pair.getKey() + "' and '"
                            + pair.getValue() + "', which contradict each other");
                }
            }
        }
    }

    private static void linux(JsonNode linux) throws Refused {
        if (!linux.isObject()) {
            throw new Refused("linux", "is missing");
        }
        JsonNode devices = linux.get("devices");
        if (devices != null && !devices.isNull() && !(devices.isArray() && devices.isEmpty())) {
            throw new Refused("linux.devices", "is not allowed: the daemon creates no device nodes");
        }
        JsonNode cgroupDevices = linux.path("resources").get("devices");
        if (cgroupDevices != null && !cgroupDevices.isNull()) {
            for (int i = 0; i < cgroupDevices.size(); i++) {
                if (cgroupDevices.get(i).path("allow").asBoolean(false)) {
                    throw new Refused("linux.resources.devices[" + i + "]", "allows device access beyond the"
                            + " default (deny all but runc's defaults)");
                }
            }
        }
        namespaces(linux.get("namespaces"));
        JsonNode sysctl = linux.get("sysctl");
        if (sysctl != null && !sysctl.isNull() && !sysctl.isEmpty()) {
            throw new Refused("linux.sysctl", "is not allowed: the daemon sets no sysctls");
        }
        containsAll(linux.get("maskedPaths"), DEFAULT_MASKED, "linux.maskedPaths");
        containsAll(linux.get("readonlyPaths"), DEFAULT_READONLY, "linux.readonlyPaths");
        String propagation = linux.path("rootfsPropagation").asText("");
        if (!SAFE_PROPAGATION.contains(propagation)) {
            throw new Refused("linux.rootfsPropagation", "'" + printable(propagation) + "' could carry mounts to"
                    + " the host");
        }
    }

    private static void namespaces(JsonNode namespaces) throws Refused {
        if (namespaces == null || !namespaces.isArray()) {
            throw new Refused("linux.namespaces", "is missing: the container would share the host's");
        }
        Set<String> types = new HashSet<>();
        for (int i = 0; i < namespaces.size(); i++) {
            JsonNode ns = namespaces.get(i);
            String type = ns.path("type").asText("");
            if (!NAMESPACE_TYPES.contains(type)) {
                throw new Refused("linux.namespaces[" + i + "]", "has unknown type '" + printable(type) + "'");
            }
            if (ns.hasNonNull("path") && !ns.get("path").asText().isEmpty()) {
                throw new Refused("linux.namespaces[" + i + "].path", "joins an existing " + type + " namespace ("
                        + printable(ns.get("path").asText()) + "): not allowed");
            }
            types.add(type);
        }
        for (String required : REQUIRED_NAMESPACES) {
            if (!types.contains(required)) {
                throw new Refused("linux.namespaces", "lacks a " + required + " namespace: the container would"
                        + " share the host's");
            }
        }
    }

    private static void containsAll(JsonNode node, List<String> required, String field) throws Refused {
        Set<String> present = new HashSet<>();
        if (node != null) {
            node.forEach(p -> present.add(p.asText()));
        }
        for (String path : required) {
            if (!present.contains(path)) {
                throw new Refused(field, "lacks " + path + " (part of the default set)");
            }
        }
    }

    private static String printable(String value) {
        String cut = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
