package io.hydra.checkpoint.criu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.spi.checkpoint.CheckpointCapabilities;
import io.hydra.spi.plugin.PluginException;
import io.hydra.spi.process.ProcessException;
import io.hydra.spi.process.ProcessResult;
import io.hydra.spi.process.ProcessRunner;

/**
 * The criu executable and what it can do on this host. A CRIU that cannot work on this kernel is refused up front
 * ({@link CriuCompatibility}) rather than at the first dump.
 */
final class CriuBinary {
    private static final Pattern VERSION = Pattern.compile("Version:\\s*(\\d+\\.\\d+(?:\\.\\d+)?)");
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

    static CriuBinary locate(Optional<String> configured, ProcessRunner runner, Duration deadline,
                             String kernelRelease) {
        Path path = configured.map(Path::of).orElseGet(() -> CANDIDATES.stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new PluginException("criu not found in " + CANDIDATES + ": "
                        + CriuCompatibility.FIX + ", or set hydra.plugin.checkpoint.criu.criu-path")));
        if (!Files.isExecutable(path)) {
            throw new PluginException("criu at " + path + " is missing or not executable");
        }
        String versionText = run(runner, deadline, path, "--version");
        Matcher m = VERSION.matcher(versionText);
        if (!m.find()) {
            throw new PluginException("cannot tell the version of " + path + ": " + versionText.strip());
        }
        String version = m.group(1);
        Optional<String> refusal = CriuCompatibility.refusal(version, kernelRelease);
        if (refusal.isPresent()) {
            throw new PluginException("criu at " + path + ": " + refusal.get());
        }
        String check = run(runner, deadline, path, "check").strip();
        String checkSummary = check.contains("Looks good") ? "Looks good." : lastLine(check);
        // soft-dirty bits: without them criu pre-dump aborts, so incremental images must come from content dedup
        String dirty = run(runner, deadline, path, "check", "--feature", "mem_dirty_track");
        boolean dirtyTracking = dirty.contains("is supported") && !dirty.contains("OFF");
        boolean lazyPages = run(runner, deadline, path, "check", "--feature", "uffd-noncoop").contains("is supported");
        return new CriuBinary(path, new CheckpointCapabilities("criu", version, checkSummary, dirtyTracking, lazyPages));
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    /** stdout and stderr together: criu prints its verdicts on either. */
    private static String run(ProcessRunner runner, Duration deadline, Path binary, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        try {
            ProcessResult r = runner.run(deadline, cmd);
            return r.stdout() + r.stderr();
        } catch (ProcessException e) {
            throw new PluginException("probing " + binary + ": " + e.getMessage(), e);
        }
    }
}
