package io.hydra.checkpoint.criu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.hydra.spi.checkpoint.CheckpointException;
import io.hydra.spi.checkpoint.CheckpointOptions;
import io.hydra.spi.checkpoint.CheckpointRequest;
import io.hydra.spi.checkpoint.LazyDump;
import io.hydra.spi.checkpoint.LazyDumpRequest;
import io.hydra.spi.checkpoint.LazyTransfer;
import io.hydra.spi.checkpoint.PageServer;
import io.hydra.spi.process.ProcessResult;
import io.hydra.spi.process.ProcessRunner;

/**
 * {@code runc checkpoint --lazy-pages --page-server}: runc writes a byte to its status descriptor once the image
 * without memory is on disk, then CRIU serves the memory until the restorer has it all and kills the frozen
 * processes. runc has no TLS flags, so TLS reaches CRIU through the container's own CRIU configuration file (the
 * {@code org.criu.config} annotation, see {@link CriuCheckpointBackend#bundleAnnotations}), written for this dump
 * only: besides the certificates it names the address to listen on, which lazy mode otherwise ignores (it would
 * listen on every address).
 */
final class LazyCriuDump implements LazyDump {
    static final String NAME = "lazy-dump";

    private final LazyDumpRequest request;
    private final DetachedCommand command;
    private final FreezerGuard freezer;
    private final NetworkLock network;

    private LazyCriuDump(LazyDumpRequest request, DetachedCommand command, FreezerGuard freezer, NetworkLock network) {
        this.request = request;
        this.command = command;
        this.freezer = freezer;
        this.network = network;
    }

    static LazyCriuDump start(LazyDumpRequest request, Path criu, ProcessRunner processes, Duration imageDeadline,
                              FreezerGuard freezer, NetworkLock network) throws CheckpointException {
        CheckpointRequest dump = request.dump();
        Path config = CriuCheckpointBackend.configFile(request.containerDir());
        Path fifo = dump.workDir().resolve(NAME + ".status");
        DetachedCommand command;
        FileChannel status = null;
        try {
            Files.createDirectories(dump.imageDir());
            Files.createDirectories(dump.workDir());
            Files.deleteIfExists(fifo);
            ProcessResult made = processes.run(Duration.ofSeconds(10), "mkfifo", "-m", "600", fifo.toString());
            if (!made.succeeded()) {
                throw new IOException("mkfifo " + fifo + ": " + made.stderr().strip());
            }
            writeConfig(config, request.listen());
            // opened read-write: this never blocks, and the reader outlives a writer that has not opened it yet
            status = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
            command = DetachedCommand.start(dump.workDir(), NAME, command(dump, criu, request.listen()),
                    Optional.of(fifo));
        } catch (IOException e) {
            deleteQuietly(config);
            closeQuietly(status);
            throw new CheckpointException("lazy dump of " + dump.containerId() + " could not start: "
                    + e.getMessage(), e);
        }
        LazyCriuDump lazy = new LazyCriuDump(request, command, freezer, network);
        try {
            lazy.awaitImage(status, imageDeadline);
        } finally {
            closeQuietly(status);
            // CRIU has read its configuration by now (or is gone): later dumps of this container must not see it
            deleteQuietly(config);
        }
        return lazy;
    }

    static LazyCriuDump reopen(LazyDumpRequest request, FreezerGuard freezer, NetworkLock network) {
        deleteQuietly(CriuCheckpointBackend.configFile(request.containerDir()));
        return new LazyCriuDump(request, DetachedCommand.reopen(request.dump().workDir(), NAME), freezer, network);
    }

    private static List<String> command(CheckpointRequest dump, Path criu, PageServer listen) {
        List<String> cmd = new ArrayList<>(List.of(dump.runtime().binary().toString(), "--root",
                dump.runtime().stateRoot().toString(), "--criu", criu.toString(), "checkpoint", "--lazy-pages",
                "--page-server", listen.endpoint(), "--status-fd", "4",
                "--image-path", dump.imageDir().toString(), "--work-path", dump.workDir().toString()));
        CheckpointOptions options = dump.options();
        if (options.tcpEstablished()) {
            cmd.add("--tcp-established");
        }
        if (options.fileLocks()) {
            cmd.add("--file-locks");
        }
        cmd.add(dump.containerId());
        return cmd;
    }

    /**
     * The page server checks the restorer's certificate against the cluster's CA but not its name (CRIU would
     * compare it with its own listening address); the restorer checks the page server's name and CA.
     */
    private static void writeConfig(Path config, PageServer listen) throws IOException {
        String text = "tls\ntls-cacert " + listen.caCert() + "\ntls-cert " + listen.cert() + "\ntls-key "
                + listen.key() + "\ntls-no-cn-verify\naddress " + listen.address() + "\n";
        Files.createDirectories(config.getParent());
        Path tmp = config.resolveSibling(config.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, config, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Until runc's status byte; a dump that ends or passes the deadline before it has left the container running. */
    private void awaitImage(FileChannel status, Duration deadline) throws CheckpointException {
        String id = request.dump().containerId();
        CompletableFuture<Integer> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                read.complete(status.read(ByteBuffer.allocate(1)));
            } catch (IOException e) {
                read.completeExceptionally(e);
            }
        }, "lazy-dump-status-" + id);
        reader.setDaemon(true);
        reader.start();
        long until = System.nanoTime() + deadline.toNanos();
        try {
            while (true) {
                try {
                    if (read.get(50, TimeUnit.MILLISECONDS) == 1) {
                        return;
                    }
                } catch (TimeoutException notYet) {
                    // runc still writing the image, or gone: the exit file says which
                } catch (ExecutionException e) {
                    throw failedBeforeImage("its status could not be read: " + e.getCause().getMessage());
                }
                OptionalInt exit = command.exitCode();
                if (exit.isPresent() || !command.alive()) {
                    throw failedBeforeImage("runc checkpoint ended (" + (exit.isPresent() ? "exit " + exit.getAsInt()
                            : "killed") + ") before the image was written: " + explain());
                }
                if (System.nanoTime() > until) {
                    command.kill();
                    throw failedBeforeImage("the image was not written within " + deadline.toSeconds()
                            + " s (hydra.checkpoint.timeout); runc and CRIU were killed");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            command.kill();
            throw failedBeforeImage("interrupted; runc and CRIU were killed");
        } finally {
            reader.interrupt();
        }
    }

    private CheckpointException failedBeforeImage(String why) {
        return new CheckpointException("lazy dump of " + request.dump().containerId() + " failed: " + why + "; "
                + recover());
    }

    @Override
    public LazyTransfer awaitEnd(Duration timeout) {
        return command.transfer(timeout, "every page was served to the restorer", how -> "the lazy dump ended ("
                + how + ") before the restorer had every page: " + explain() + "; " + recover());
    }

    @Override
    public void abort() {
        command.kill();
    }

    /** After a failed dump: the container resumed (or is resumed here) and its network unblocked. */
    private String recover() {
        CheckpointRequest dump = request.dump();
        return freezer.thawIfFrozen(dump) + "; " + network.release(dump.runtime(), dump.containerId());
    }

    private String explain() {
        String runc = command.logTail(3);
        return CriuErrors.explain(runc.isEmpty() ? "no output" : runc, request.dump().workDir().resolve("dump.log"));
    }


    private static void closeQuietly(FileChannel channel) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // nothing was read from it
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover configuration only names certificates; the next lazy dump replaces it
        }
    }
}
