package io.hydra.checkpoint.criu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.spi.checkpoint.CheckpointCapabilities;
import io.hydra.spi.plugin.PluginException;

/**
 * The criu executable and what it can do on this host. CRIU 3.x (Debian bookworm's) fails on current kernels, so
 * anything below 4 is refused up front rather than at the first dump.
 */
final class CriuBinary {
    private static final Pattern VERSION = Pattern.compile("Version:\\s*(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/local/sbin/criu"), Path.of("/usr/sbin/criu"),
            Path.of("/usr/local/bin/criu"), Path.of("/usr/bin/criu"));

    private final Path path;
    private final CheckpointCapabilities capabilities;

    private CriuBinary(Path path, CheckpointCapabilities capabilities) {
        this.path = path;
        this.capabilities = capabilities;
    }

    Path path() {
        return path;
    }

    CheckpointCapabilities capabilities() {
        return capabilities;
    }

    static CriuBinary locate(Optional<String> configured) {
        Path path = configured.map(Path::of).orElseGet(() -> CANDIDATES.stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new PluginException("criu not found in " + CANDIDATES
                        + ": install CRIU >= 4 (scripts/setup-host.sh) or set hydra.plugin.checkpoint.criu.criu-path")));
        if (!Files.isExecutable(path)) {
            throw new PluginException("criu at " + path + " is missing or not executable");
        }
        String versionText = run(path, "--version");
        Matcher m = VERSION.matcher(versionText);
        if (!m.find()) {
            throw new PluginException("cannot tell the version of " + path + ": " + versionText.strip());
        }
        String version = m.group(1) + "." + m.group(2) + (m.group(3) == null ? "" : "." + m.group(3));
        if (Integer.parseInt(m.group(1)) < 4) {
            throw new PluginException("criu at " + path + " is version " + version + "; Hydra needs CRIU >= 4"
                    + " (3.x fails on current kernels; scripts/setup-host.sh builds 4.1.1)");
        }
        String check = run(path, "check").strip();
        String checkSummary = check.contains("Looks good") ? "Looks good." : lastLine(check);
        // soft-dirty bits: without them criu pre-dump aborts, so incremental images must come from content dedup
        String dirty = run(path, "check", "--feature", "mem_dirty_track");
        boolean dirtyTracking = dirty.contains("is supported") && !dirty.contains("OFF");
        boolean lazyPages = run(path, "check", "--feature", "uffd-noncoop").contains("is supported");
        return new CriuBinary(path, new CheckpointCapabilities("criu", version, checkSummary, dirtyTracking, lazyPages));
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    static String run(Path binary, String... args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out;
        } catch (IOException e) {
            throw new PluginException("cannot run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("interrupted while probing " + binary);
        }
    }
}
