package io.hydra.runtime.container;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.runtime.HydraException;

/**
 * Turns what the user gave (an OCI bundle, or a root filesystem and a command) into the bundle the daemon runs:
 * {@code <containerDir>/bundle/config.json}. Everything is validated before anything is written, so a bad request
 * leaves nothing behind.
 */
public final class BundlePreparer {
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int MAX_SYMLINKS = 40;

    /** A validated config.json, ready to be written. */
    public record PreparedBundle(ObjectNode config, List<String> command, String userBundle) {
    }

    /**
     * A user's bundle with the run flags that also apply to it merged in ({@code --memory} becomes
     * linux.resources.memory.limit, {@code -e} entries replace or extend process.env); a flag that only shapes a
     * generated config is refused rather than silently dropped.
     */
    public PreparedBundle fromBundle(Path bundle, CreateSpec spec) {
        if (spec.hostNetwork()) {
            throw HydraException.invalid("--net host shapes a generated config (--rootfs); with --bundle, the"
                    + " namespaces are config.json's own (remove the \"network\" entry of linux.namespaces)");
        }
        validateMemory(spec.memoryBytes());
        validateEnv(spec.env());
        RunFlags flags = RunFlags.check(spec);
        PreparedBundle prepared = fromBundle(bundle);
        ObjectNode config = prepared.config();
        String where = bundle.resolve("config.json") + ": ";
        flags.apply(config, Path.of(config.path("root").path("path").asText()), where);
        if (spec.memoryBytes() > 0) {
            ObjectNode linux = RunFlags.object(config, "linux", where);
            ObjectNode resources = RunFlags.object(linux, "resources", where + "linux.");
            RunFlags.object(resources, "memory", where + "linux.resources.").put("limit", spec.memoryBytes());
        }
        if (!spec.env().isEmpty()) {
            ObjectNode process = RunFlags.object(config, "process", where);
            List<String> env = new ArrayList<>();
            process.path("env").forEach(e -> env.add(e.asText()));
            for (String entry : spec.env()) {
                String key = entry.substring(0, entry.indexOf('=') + 1);
                env.removeIf(e -> e.startsWith(key));
                env.add(entry);
            }
            process.set("env", array(env));
        }
        return prepared;
    }

    private static void validateMemory(long bytes) {
        if (bytes < 0 || bytes > 0 && bytes < 4 << 20) {
            throw HydraException.invalid("memory limit " + bytes + " bytes is too small: at least 4 MiB");
        }
    }

    private static void validateEnv(List<String> env) {
        for (String e : env) {
            if (!e.contains("=") || e.startsWith("=")) {
                throw HydraException.invalid("environment entry '" + e + "' is not KEY=VALUE");
            }
        }
    }

    public PreparedBundle fromBundle(Path bundle) {
        if (!Files.isDirectory(bundle)) {
            throw HydraException.invalid("bundle " + bundle + " does not exist or is not a directory");
        }
        Path configFile = bundle.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw HydraException.invalid("bundle " + bundle + " has no config.json");
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(configFile.toFile());
        } catch (JsonProcessingException e) {
            throw HydraException.invalid(configFile + " is not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw HydraException.invalid("cannot read " + configFile + ": " + e.getMessage());
        }
        if (!(parsed instanceof ObjectNode config)) {
            throw HydraException.invalid(configFile + " is not a JSON object");
        }
        JsonNode rootPath = config.path("root").path("path");
        if (!rootPath.isTextual() || rootPath.asText().isEmpty()) {
            throw HydraException.invalid(configFile + ": root.path is missing");
        }
        Path rootfs = bundle.resolve(rootPath.asText()).toAbsolutePath().normalize();
        ((ObjectNode) config.get("root")).put("path", rootfs.toString());
        return validate(config, rootfs, configFile.toString(), bundle.toAbsolutePath().toString());
    }

    public PreparedBundle fromRootfs(CreateSpec spec, String cgroupsPath) {
        Path rootfs = Path.of(spec.rootfs());
        if (spec.args().isEmpty()) {
            throw HydraException.invalid("--rootfs needs a command: hydra run --rootfs DIR -- CMD [ARG...]");
        }
        Path root = rootfs.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw HydraException.invalid("rootfs " + rootfs + " does not exist or is not a directory");
        }
        validateMemory(spec.memoryBytes());
        validateEnv(spec.env());
        RunFlags.check(spec);
        ObjectNode config = DefaultSpec.generate(root, spec, cgroupsPath, hardNofileLimit());
        return validate(config, root, "--rootfs", null);
    }

    /**
     * A container of an image: {@code spec} is the effective request ({@link ImageProcess#apply}), {@code root} the
     * container's mounted overlay ({@code <containerDir>/rootfs}). The same config as {@code --rootfs} generates,
     * and the command looked up in the merged root (127 and 126 as there).
     */
    public PreparedBundle fromImage(CreateSpec spec, Path root, String cgroupsPath) {
        validateMemory(spec.memoryBytes());
        validateEnv(spec.env());
        ObjectNode config = DefaultSpec.generate(root, spec, cgroupsPath, hardNofileLimit());
        ObjectNode process = (ObjectNode) config.get("process");
        // the generated defaults (PATH above all) come first; the image's Env and -e replace them by key
        process.set("env", array(lastPerKey(process.path("env"))));
        return validate(config, root, "image " + spec.image(), null);
    }

    /** One entry per key, where the key first appeared, holding its last value. */
    private static List<String> lastPerKey(JsonNode env) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (JsonNode e : env) {
            String entry = e.asText();
            int eq = entry.indexOf('=');
            byKey.put(eq < 0 ? entry : entry.substring(0, eq), entry);
        }
        return List.copyOf(byKey.values());
    }

    private PreparedBundle validate(ObjectNode config, Path rootfs, String where, String userBundle) {
        if (!Files.isDirectory(rootfs)) {
            throw HydraException.invalid(where + ": rootfs " + rootfs + " does not exist or is not a directory");
        }
        JsonNode process = config.path("process");
        JsonNode argsNode = process.path("args");
        if (!argsNode.isArray() || argsNode.isEmpty()) {
            throw HydraException.invalid(where + ": process.args is missing or empty");
        }
        List<String> args = new ArrayList<>();
        argsNode.forEach(a -> args.add(a.asText()));
        String path = DEFAULT_PATH;
        for (JsonNode e : process.path("env")) {
            if (e.asText().startsWith("PATH=")) {
                path = e.asText().substring(5);
            }
        }
        String cwd = process.path("cwd").asText("/");
        switch (lookupCommand(rootfs, args.get(0), path, cwd)) {
            case FOUND -> {
            }
            case NOT_FOUND -> throw new CommandNotRunnableException(CommandNotRunnableException.NOT_FOUND,
                    where + ": command '" + args.get(0) + "' not found in rootfs " + rootfs
                    + (args.get(0).contains("/") ? "" : " (searched PATH=" + path + ")"));
            case NOT_EXECUTABLE -> throw new CommandNotRunnableException(CommandNotRunnableException.NOT_EXECUTABLE,
                    where + ": command '" + args.get(0) + "' in rootfs " + rootfs
                    + " cannot be executed (not an executable file)");
        }
        long hard = hardNofileLimit();
        for (JsonNode limit : process.path("rlimits")) {
            if ("RLIMIT_NOFILE".equals(limit.path("type").asText()) && limit.path("hard").asLong() > hard) {
                throw HydraException.invalid(where + ": process.rlimits RLIMIT_NOFILE hard limit "
                        + limit.path("hard").asLong() + " exceeds this host's limit of " + hard);
            }
        }
        return new PreparedBundle(config, args, userBundle);
    }

    /** Writes config.json under {@code bundleDir}, flushed to disk. */
    /**
     * Writes the config with {@code annotations} (the checkpoint backend's) set: a user's bundle may carry
     * annotations of its own, but not one of these, which runc and CRIU act on as root.
     */
    public void write(PreparedBundle prepared, Path bundleDir, Map<String, String> annotations) throws IOException {
        if (!annotations.isEmpty()) {
            ObjectNode object = RunFlags.object(prepared.config(), "annotations", "config.json: ");
            annotations.forEach(object::put);
        }
        Files.createDirectories(bundleDir);
        Path file = bundleDir.resolve("config.json");
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SYNC)) {
            JSON.writeValue(out, prepared.config());
        }
    }

    /** Whether a command can be run, in the terms of a shell's 127 (not found) and 126 (cannot be executed). */
    public enum CommandLookup { FOUND, NOT_FOUND, NOT_EXECUTABLE }

    /**
     * Looks the command up as {@link #findCommand} does, and tells a missing command from one that exists but
     * cannot be executed (no execute bit, a directory), as a shell would.
     */
    public static CommandLookup lookupCommand(Path rootfs, String command, String path, String cwd) {
        if (findCommand(rootfs, command, path, cwd).isPresent()) {
            return CommandLookup.FOUND;
        }
        List<String> candidates = new ArrayList<>();
        if (command.contains("/")) {
            candidates.add(command.startsWith("/") ? command : cwd + "/" + command);
        } else {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(dir + "/" + command);
                }
            }
        }
        for (String candidate : candidates) {
            if (resolveInRoot(rootfs, candidate).isPresent()) {
                return CommandLookup.NOT_EXECUTABLE;
            }
        }
        return CommandLookup.NOT_FOUND;
    }

    /**
     * Finds the command as the container would: PATH lookup, and symlinks followed with the rootfs as "/", so an
     * absolute link never reaches the host's own files.
     */
    static Optional<Path> findCommand(Path rootfs, String command, String path, String cwd) {
        if (command.contains("/")) {
            String absolute = command.startsWith("/") ? command : cwd + "/" + command;
            return resolveInRoot(rootfs, absolute).filter(BundlePreparer::isExecutableFile);
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                Optional<Path> found = resolveInRoot(rootfs, dir + "/" + command).filter(BundlePreparer::isExecutableFile);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isExecutableFile(Path p) {
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(p);
    }

    static Optional<Path> resolveInRoot(Path rootfs, String containerPath) {
        List<String> pending = new ArrayList<>(List.of(containerPath.split("/")));
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!pending.isEmpty()) {
            String part = pending.remove(0);
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.remove(resolved.size() - 1);
                }
                continue;
            }
            Path candidate = rootfs.resolve(String.join("/", resolved)).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_SYMLINKS) {
                    return Optional.empty();
                }
                String target;
                try {
                    target = Files.readSymbolicLink(candidate).toString();
                } catch (IOException e) {
                    return Optional.empty();
                }
                List<String> next = new ArrayList<>(List.of(target.split("/")));
                if (target.startsWith("/")) {
                    resolved.clear();
                }
                next.addAll(pending);
                pending = next;
                continue;
            }
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            resolved.add(part);
        }
        return Optional.of(rootfs.resolve(String.join("/", resolved)));
    }

    /** The hard RLIMIT_NOFILE of this process: a container may not ask for more (no CAP_SYS_RESOURCE here). */
    static long hardNofileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through to a conservative value
        }
        return 1024;
    }

    static ArrayNode array(List<String> values) {
        ArrayNode a = JSON.createArrayNode();
        values.forEach(a::add);
        return a;
    }
}
