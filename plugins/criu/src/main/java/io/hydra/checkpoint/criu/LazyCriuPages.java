package io.hydra.checkpoint.criu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.hydra.spi.checkpoint.CheckpointException;
import io.hydra.spi.checkpoint.LazyPages;
import io.hydra.spi.checkpoint.LazyTransfer;
import io.hydra.spi.checkpoint.PageServer;

/**
 * {@code criu lazy-pages}: connects to the source's page server over TLS and hands the restored processes each page
 * through userfaultfd when they touch it, fetching the rest in the background; it exits 0 once every page is here.
 * The restore finds it through {@code lazy-pages.socket} in the shared work directory.
 */
final class LazyCriuPages implements LazyPages {
    static final String NAME = "lazy-pages";
    private static final String SOCKET = "lazy-pages.socket";
    private static final Duration POLL = Duration.ofMillis(5);

    private final Path workDir;
    private final DetachedCommand command;

    private LazyCriuPages(Path workDir, DetachedCommand command) {
        this.workDir = workDir;
        this.command = command;
    }

    static LazyCriuPages start(Path criu, Path imageDir, Path workDir, PageServer source, Duration deadline)
            throws CheckpointException {
        DetachedCommand command;
        try {
            Files.createDirectories(workDir);
            Files.deleteIfExists(workDir.resolve(SOCKET));
            command = DetachedCommand.start(workDir, NAME, List.of(criu.toString(), "lazy-pages", "--page-server",
                    "--address", source.address(), "--port", Integer.toString(source.port()),
                    "--images-dir", imageDir.toString(), "--work-dir", workDir.toString(),
                    "--tls", "--tls-cacert", source.caCert().toString(), "--tls-cert", source.cert().toString(),
                    "--tls-key", source.key().toString(), "--log-file", "lazy-pages-criu.log"), Optional.empty());
        } catch (IOException e) {
            throw new CheckpointException("fetching pages from " + source.endpoint() + " could not start: "
                    + e.getMessage(), e);
        }
        LazyCriuPages pages = new LazyCriuPages(workDir, command);
        pages.awaitSocket(source, deadline);
        return pages;
    }

    static LazyCriuPages reopen(Path workDir) {
        return new LazyCriuPages(workDir, DetachedCommand.reopen(workDir, NAME));
    }

    /** The socket appears once CRIU has read the image and connected; there is nothing else to wait on. */
    private void awaitSocket(PageServer source, Duration deadline) throws CheckpointException {
        long until = System.nanoTime() + deadline.toNanos();
        try {
            while (!Files.exists(workDir.resolve(SOCKET))) {
                if (command.exitCode().isPresent() || !command.alive()) {
                    throw new CheckpointException("fetching pages from " + source.endpoint() + " failed: "
                            + explain());
                }
                if (System.nanoTime() > until) {
                    command.kill();
                    throw new CheckpointException("criu lazy-pages was not ready within " + deadline.toSeconds()
                            + " s; it was killed");
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            command.kill();
            throw new CheckpointException("interrupted while criu lazy-pages started; it was killed");
        }
    }

    @Override
    public List<String> restoreOptions() {
        // a later --work-path wins over the one a monitor passes for its own bundle
        return List.of("--lazy-pages", "--work-path=" + workDir);
    }

    @Override
    public LazyTransfer awaitEnd(Duration timeout) {
        return command.transfer(timeout, "every page arrived", how -> "criu lazy-pages ended (" + how
                + ") before every page arrived: " + explain());
    }

    @Override
    public void abort() {
        command.kill();
    }

    private String explain() {
        String out = command.logTail(3);
        return CriuErrors.firstError(workDir.resolve("lazy-pages-criu.log")).orElse(out.isEmpty() ? "no output" : out);
    }

}
