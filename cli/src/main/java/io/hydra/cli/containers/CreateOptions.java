package io.hydra.cli.containers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.api.v1.CreateRequest;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.cluster.Constraints;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options {@code run} and {@code create} share, and the create request they make. The first positional is the
 * image unless {@code --rootfs} or {@code --bundle} gives the root; what follows is the command (options after the
 * image belong to the command, as with docker).
 */
abstract class CreateOptions extends DaemonCommand {
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kmg]?)b?");

    @Option(names = "--name", description = "the container's name (default: a generated one)")
    String name;

    @Option(names = "--bundle", description = "an OCI bundle directory (config.json and rootfs)")
    String bundle;

    @Option(names = "--rootfs", description = "a root filesystem; the command follows (after --, if it has options)")
    String rootfs;

    @Option(names = "--monitor", description = "monitor strategy: eager or lazy (default: the daemon's)")
    String monitor;

    @Option(names = {"-e", "--env"}, description = "KEY=VALUE for the process, or KEY for our own value (with"
            + " --bundle: added to config.json's)")
    List<String> envVars = new ArrayList<>();

    @Option(names = "--env-file", paramLabel = "FILE", description = "KEY=VALUE lines (# comments; a bare KEY takes"
            + " our own value)")
    List<Path> envFiles = new ArrayList<>();

    @Option(names = {"-i", "--interactive"}, description = "keep stdin open")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "give the process a terminal")
    boolean tty;

    @Option(names = {"-v", "--volume"}, paramLabel = "HOST:CTR[:ro]", description = "bind a host path into the"
            + " container (ro: read-only)")
    List<String> volumes = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "the process's working directory")
    String workdir;

    @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "UID[:GID] or NAME[:GROUP] from the"
            + " container's /etc/passwd and /etc/group")
    String user;

    @Option(names = {"-l", "--label"}, paramLabel = "K=V", description = "a label (also an OCI annotation)")
    List<String> labels = new ArrayList<>();

    @Option(names = "--restart", paramLabel = "POLICY", description = "no, on-failure[:N] or always")
    String restart;

    @Option(names = "--rm", description = "remove the container once it exited")
    boolean autoRemove;

    @Option(names = "--net", description = "with --rootfs: 'none' (own network namespace, default) or 'host';"
            + " a --bundle's config.json says it itself")
    String net = "none";

    @Option(names = {"-m", "--memory"}, description = "memory limit, e.g. 64m, 1g (with --bundle: replaces config.json's)")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "CPUs the container may use, e.g. 0.5 or 2")
    String cpus;

    @Option(names = "--constraint", paramLabel = "K=V", description = "a node label the container's failover or"
            + " migration target must have (repeatable: every one)")
    List<String> constraints = new ArrayList<>();

    @Parameters(paramLabel = "IMAGE|CMD", description = "IMAGE [CMD ARG...], or with --rootfs the command and its"
            + " arguments")
    List<String> positionals = new ArrayList<>();

    CreateRequest request(boolean start) {
        if (!net.equals("none") && !net.equals("host")) {
            throw usageError("--net must be none or host");
        }
        boolean ownRoot = bundle != null || rootfs != null;
        if (!ownRoot && positionals.isEmpty()) {
            throw usageError("give an IMAGE, or --rootfs DIR and a command, or --bundle DIR");
        }
        String image = ownRoot ? "" : positionals.get(0);
        List<String> command = ownRoot ? positionals : positionals.subList(1, positionals.size());
        CreateRequest.Builder b = CreateRequest.newBuilder().setName(name == null ? "" : name)
                .setBundle(bundle == null ? "" : bundle).setRootfs(rootfs == null ? "" : rootfs).setImage(image)
                .addAllArgs(command).setMonitor(monitor == null ? "" : monitor).setInteractive(interactive)
                .setTty(tty).setHostNetwork(net.equals("host")).setMemoryBytes(bytes(memory)).setStart(start)
                .setAutoRemove(autoRemove);
        try {
            b.addAllEnv(environment());
            volumes.forEach(RunFlagSyntax::volume);
            b.addAllVolumes(volumes);
            if (workdir != null) {
                RunFlagSyntax.workdir(workdir);
                b.setWorkdir(workdir);
            }
            if (user != null) {
                RunFlagSyntax.user(user);
                b.setUser(user);
            }
            if (restart != null) {
                RunFlagSyntax.restart(restart);
                b.setRestart(restart);
                if (autoRemove && !restart.equals("no")) {
                    throw new IllegalArgumentException("--rm and --restart " + restart + " conflict: a container"
                            + " removed when it exits cannot be restarted");
                }
            }
            if (cpus != null) {
                b.setCpuMillis(RunFlagSyntax.cpuMillis(cpus));
            }
            b.putAllLabels(labelMap());
            b.putAllConstraints(Constraints.parse(constraints));
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        return b.build();
    }

    /** The --env-file entries, then the -e ones (a later one wins in the process, as docker has it). */
    private List<String> environment() {
        List<String> env = new ArrayList<>();
        for (Path f : envFiles) {
            env.addAll(EnvFile.read(f, cliEnvironment()));
        }
        for (String e : envVars) {
            String entry = EnvFile.withValue(e, cliEnvironment(), "-e " + e);
            if (entry != null) {
                env.add(entry);
            }
        }
        return env;
    }

    private Map<String, String> labelMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String l : labels) {
            int eq = l.indexOf('=');
            String key = eq < 0 ? l : l.substring(0, eq);
            if (key.isEmpty()) {
                throw new IllegalArgumentException("--label " + l + " has no key: give K=V");
            }
            map.put(key, eq < 0 ? "" : l.substring(eq + 1));
        }
        return map;
    }

    private long bytes(String size) {
        if (size == null) {
            return 0;
        }
        Matcher m = SIZE.matcher(size.toLowerCase());
        if (!m.matches()) {
            throw usageError("--memory must be a size like 512m or 1g, got '" + size + "'");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        return Long.parseLong(m.group(1)) << shift;
    }
}
