package io.hydra.cluster.etcd;

import io.hydra.spi.monitor.ProcessIdentity;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Properties;

/**
 * What a restarted daemon needs to adopt its node lease: the lease id and the keeper process keeping it alive, named
 * by pid and start time so a recycled pid is never taken for it. Written atomically (temp, fsync, rename, fsync of
 * the directory): a SIGKILL at any instant leaves the old state or the new one, never half of either.
 */
record KeeperState(long leaseId, Optional<ProcessIdentity> keeper) {
    static final String FILE = "lease.properties";

    static Optional<KeeperState> read(Path dir) {
        Path file = dir.resolve(FILE);
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
            long lease = Long.parseUnsignedLong(p.getProperty("lease"), 16);
            Optional<ProcessIdentity> keeper = p.getProperty("keeper.pid") == null ? Optional.empty()
                    : Optional.of(new ProcessIdentity(Integer.parseInt(p.getProperty("keeper.pid")),
                            Long.parseLong(p.getProperty("keeper.start"))));
            return Optional.of(new KeeperState(lease, keeper));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the lease state " + file + " is damaged (" + e.getMessage()
                    + "); remove it to join as a new member: " + text, e);
        }
    }

    void write(Path dir) {
        StringBuilder text = new StringBuilder("lease=").append(Long.toHexString(leaseId)).append('\n');
        keeper.ifPresent(k -> text.append("keeper.pid=").append(k.pid()).append('\n')
                .append("keeper.start=").append(k.startTime()).append('\n'));
        Path file = dir.resolve(FILE);
        Path temp = dir.resolve(FILE + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static void delete(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(FILE));
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir.resolve(FILE), e);
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
