package io.hydra.checkpoint.criu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.checkpoint.CheckpointCapabilities;
import io.hydra.spi.checkpoint.CheckpointException;
import io.hydra.spi.checkpoint.CheckpointOptions;
import io.hydra.spi.checkpoint.CheckpointRequest;
import io.hydra.spi.checkpoint.CheckpointResult;

/** Checkpoints through {@code runc checkpoint}, pointing runc at the CRIU binary found and probed at start-up. */
final class CriuCheckpointBackend implements CheckpointBackend {
    private static final Pattern RUNC_MESSAGE = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final CriuBinary criu;
    private final long timeoutSeconds;

    CriuCheckpointBackend(CriuBinary criu, long timeoutSeconds) {
        this.criu = criu;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public String name() {
        return "criu";
    }

    @Override
    public CheckpointCapabilities capabilities() {
        return criu.capabilities();
    }

    @Override
    public CheckpointResult checkpoint(CheckpointRequest request) throws CheckpointException {
        CheckpointOptions options = request.options();
        if (options.parentImage().isPresent() && !criu.capabilities().memoryDirtyTracking()) {
            throw new CheckpointException("an incremental dump from a parent image needs memory dirty tracking,"
                    + " which this kernel lacks (CONFIG_MEM_SOFT_DIRTY): take full dumps, the repository dedups them");
        }
        List<String> cmd = new ArrayList<>(List.of(request.runtime().binary().toString(),
                "--root", request.runtime().stateRoot().toString(), "--criu", criu.path().toString(), "checkpoint",
                "--image-path", request.imageDir().toString(), "--work-path", request.workDir().toString()));
        if (options.leaveRunning()) {
            cmd.add("--leave-running");
        }
        if (options.tcpEstablished()) {
            cmd.add("--tcp-established");
        }
        if (options.fileLocks()) {
            cmd.add("--file-locks");
        }
        options.parentImage().ifPresent(parent -> cmd.addAll(List.of("--parent-path", parent.toString())));
        cmd.add(request.containerId());
        long start = System.nanoTime();
        try {
            Files.createDirectories(request.imageDir());
            Files.createDirectories(request.workDir());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CheckpointException("checkpoint of " + request.containerId() + " did not finish within "
                        + timeoutSeconds + " s");
            }
            Duration total = Duration.ofNanos(System.nanoTime() - start);
            if (p.exitValue() != 0) {
                throw new CheckpointException("checkpoint failed: " + explain(out, request.workDir().resolve("dump.log")));
            }
            DumpStatistics stats = DumpStatistics.read(request.workDir().resolve("stats-dump"))
                    .orElse(new DumpStatistics(total, 0));
            return new CheckpointResult(stats.frozen(), total, stats.pagesWritten());
        } catch (IOException e) {
            throw new CheckpointException("checkpoint failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted during checkpoint");
        }
    }

    @Override
    public List<String> restoreOptions(CheckpointOptions options) {
        List<String> restore = new ArrayList<>();
        if (options.tcpEstablished()) {
            restore.add("--tcp-established");
        }
        if (options.fileLocks()) {
            restore.add("--file-locks");
        }
        return restore;
    }

    /** runc's message, plus CRIU's own first error from the dump log: that is where the reason is. */
    private static String explain(String runcOutput, Path dumpLog) {
        Matcher m = RUNC_MESSAGE.matcher(runcOutput);
        String message = runcOutput.strip();
        while (m.find()) {
            message = m.group(1).replace("\\\"", "\"");
        }
        try {
            if (Files.exists(dumpLog)) {
                for (String line : Files.readAllLines(dumpLog)) {
                    if (line.contains("Error (") && !line.contains("RLIMIT_NOFILE")) {
                        return message + " (criu: " + line.replaceFirst("^\\([0-9. ]+\\)\\s*", "").strip() + ")";
                    }
                }
            }
        } catch (IOException ignored) {
            // runc's message alone
        }
        return message;
    }
}
