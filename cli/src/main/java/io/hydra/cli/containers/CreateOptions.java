package io.hydra.cli.containers;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.api.v1.CreateRequest;
import io.hydra.cli.DaemonCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The options {@code run} and {@code create} share, and the create request they make. */
abstract class CreateOptions extends DaemonCommand {
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kmg]?)b?");

    @Option(names = "--name", required = true, description = "the container's name")
    String name;

    @Option(names = "--bundle", description = "an OCI bundle directory (config.json and rootfs)")
    String bundle;

    @Option(names = "--rootfs", description = "a root filesystem; the command follows --")
    String rootfs;

    @Option(names = "--monitor", description = "monitor strategy: eager or lazy (default: the daemon's)")
    String monitor;

    @Option(names = {"-e", "--env"}, description = "KEY=VALUE for the process (with --bundle: added to config.json's)")
    List<String> envVars = new ArrayList<>();

    @Option(names = {"-i", "--interactive"}, description = "keep stdin open")
    boolean interactive;

    @Option(names = "--net", description = "with --rootfs: 'none' (own network namespace, default) or 'host';"
            + " a --bundle's config.json says it itself")
    String net = "none";

    @Option(names = {"-m", "--memory"}, description = "memory limit, e.g. 64m, 1g (with --bundle: replaces config.json's)")
    String memory;

    @Parameters(description = "command and arguments (with --rootfs)")
    List<String> command = new ArrayList<>();

    CreateRequest request(boolean start) {
        if (!net.equals("none") && !net.equals("host")) {
            throw usageError("--net must be none or host");
        }
        return CreateRequest.newBuilder().setName(name).setBundle(bundle == null ? "" : bundle)
                .setRootfs(rootfs == null ? "" : rootfs).addAllArgs(command).addAllEnv(envVars)
                .setMonitor(monitor == null ? "" : monitor).setInteractive(interactive)
                .setHostNetwork(net.equals("host")).setMemoryBytes(bytes(memory)).setStart(start).build();
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
