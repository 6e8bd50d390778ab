package io.hydra.checkpoint.criu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.checkpoint.CheckpointCapabilities;
import io.hydra.spi.checkpoint.CheckpointException;
import io.hydra.spi.checkpoint.CheckpointOptions;
import io.hydra.spi.checkpoint.CheckpointRequest;
import io.hydra.spi.checkpoint.CheckpointResult;
import io.hydra.spi.checkpoint.LazyDump;
import io.hydra.spi.checkpoint.LazyDumpRequest;
import io.hydra.spi.checkpoint.LazyPages;
import io.hydra.spi.checkpoint.PageServer;
import io.hydra.spi.process.Deadlines;
import io.hydra.spi.process.DeadlineExceededException;
import io.hydra.spi.process.ProcessException;
import io.hydra.spi.process.ProcessResult;
import io.hydra.spi.process.ProcessRunner;
import io.hydra.spi.process.ProcessSpec;

/**
 * Checkpoints through {@code runc checkpoint}, pointing runc at the CRIU binary found and probed at start-up. A dump
 * that fails or passes its deadline leaves the container running: CRIU freezes it through the cgroup freezer, and
 * a CRIU killed mid-dump cannot thaw it, so this backend does.
 */
final class CriuCheckpointBackend implements CheckpointBackend {
    private final CriuBinary criu;
    private final ProcessRunner processes;
    private final Deadlines deadlines;
    private final FreezerGuard freezer;
    private final NetworkLock network;

    CriuCheckpointBackend(CriuBinary criu, ProcessRunner processes, Deadlines deadlines) {
        this.criu = criu;
        this.processes = processes;
        this.deadlines = deadlines;
        this.freezer = new FreezerGuard(processes, deadlines.runtime());
        this.network = new NetworkLock(processes, deadlines.runtime());
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
        try {
            Files.createDirectories(request.imageDir());
            Files.createDirectories(request.workDir());
        } catch (IOException e) {
            throw new CheckpointException("checkpoint failed: cannot create " + request.imageDir() + ": "
                    + e.getMessage(), e);
        }
        ProcessResult result;
        try {
            result = processes.run(ProcessSpec.of(deadlines.checkpoint(), cmd));
        } catch (DeadlineExceededException e) {
            throw new CheckpointException("checkpoint of " + request.containerId() + " did not finish within "
                    + Deadlines.format(e.deadline()) + " (hydra.checkpoint.timeout): runc and CRIU were killed; "
                    + freezer.thawIfFrozen(request));
        } catch (ProcessException e) {
            String thawed = freezer.thawIfFrozen(request);
            throw new CheckpointException("checkpoint failed: " + e.getMessage() + "; " + thawed, e);
        }
        if (!result.succeeded()) {
            String why = CriuErrors.explain(result.stderr() + result.stdout(),
                    request.workDir().resolve("dump.log"));
            throw new CheckpointException("checkpoint failed: " + why + "; " + freezer.thawIfFrozen(request));
        }
        DumpStatistics stats = DumpStatistics.read(request.workDir().resolve("stats-dump"))
                .orElse(new DumpStatistics(result.elapsed(), 0));
        return new CheckpointResult(stats.frozen(), result.elapsed(), stats.pagesWritten());
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

    /** The container's own CRIU configuration file: absent except while a lazy dump of it starts. */
    static Path configFile(Path containerDir) {
        return containerDir.resolve("criu.conf");
    }

    @Override
    public Map<String, String> bundleAnnotations(Path containerDir) {
        // runc hands this file to CRIU on every dump; a file that does not exist is ignored
        return Map.of("org.criu.config", configFile(containerDir).toString());
    }

    @Override
    public LazyDump lazyCheckpoint(LazyDumpRequest request) throws CheckpointException {
        requireLazyPages();
        return LazyCriuDump.start(request, criu.path(), processes, deadlines.checkpoint(), freezer, network);
    }

    @Override
    public LazyDump reopenLazyDump(LazyDumpRequest request) {
        return LazyCriuDump.reopen(request, freezer, network);
    }

    @Override
    public LazyPages lazyPages(Path imageDir, Path workDir, PageServer source) throws CheckpointException {
        requireLazyPages();
        return LazyCriuPages.start(criu.path(), imageDir, workDir, source, deadlines.checkpoint());
    }

    @Override
    public LazyPages reopenLazyPages(Path imageDir, Path workDir, PageServer source) {
        return LazyCriuPages.reopen(workDir);
    }

    private void requireLazyPages() throws CheckpointException {
        if (!criu.capabilities().lazyPages()) {
            throw new CheckpointException("post-copy needs userfaultfd lazy pages, which CRIU " + criu.capabilities()
                    .version() + " reports unsupported on this kernel (criu check --feature uffd-noncoop)");
        }
        PipeSize.ensure();
    }

}
