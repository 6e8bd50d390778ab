package io.hydra.runtime.migration;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The migrations this node has started as their source, one file per container under {@code cluster/migrations/},
 * each written whole (temporary file, fsync, rename, fsync of the directory) before the step it announces. A daemon
 * SIGKILLed mid-migration finds here what it was doing, and {@link MigrationSource#resumeInterrupted} settles it: a container is
 * never left stopped here and owned by nobody. One entry per container also refuses a second migration of it.
 */
public final class MigrationJournal {
    private static final Logger LOG = Logger.getLogger(MigrationJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** How far a migration got; each phase is written before what follows it can happen. */
    public enum Phase {
        /** Leave-running rounds (or none yet): the container runs here. */
        ROUNDS,
        /** The final stopping dump is about to run or has run: the container may exist only as {@code version}. */
        DUMPING,
        /** The ownership record was handed to the target at {@code epoch}: it is the target's to restore. */
        HANDED_OVER
    }

    /** One migration in progress. */
    public record Entry(String id, String containerId, String name, String from, String to, String mode, Phase phase,
                        long version, long epoch, Instant startedAt, Instant frozenAt) {
        Entry at(Phase next, long version, long epoch, Instant frozenAt) {
            return new Entry(id, containerId, name, from, to, mode, next, version, epoch, startedAt, frozenAt);
        }
    }

    private final Path dir;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** Opens the journal, reading what an earlier daemon left; an entry that does not parse is kept aside, named. */
    public MigrationJournal(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                if (file.endsWith(".tmp")) {
                    Files.deleteIfExists(f);
                } else if (file.endsWith(".json")) {
                    try {
                        Entry e = JSON.readValue(Files.readAllBytes(f), Entry.class);
                        entries.put(e.containerId(), e);
                    } catch (IOException e) {
                        Path aside = dir.resolve(file + ".unreadable");
                        Files.move(f, aside, StandardCopyOption.REPLACE_EXISTING);
                        LOG.errorf("migration journal entry %s cannot be read (%s); moved to %s", f, e.getMessage(),
                                aside);
                    }
                }
            }
        }
    }

    /** Whether a migration of the container from this node is under way (the ownership pass leaves it alone). */
    public boolean active(String containerId) {
        return entries.containsKey(containerId);
    }

    public Optional<Entry> get(String containerId) {
        return Optional.ofNullable(entries.get(containerId));
    }

    public Collection<Entry> all() {
        return List.copyOf(entries.values());
    }

    /** Records a new migration; empty when one of the container is already under way (that one is returned). */
    public synchronized Optional<Entry> begin(Entry entry) throws IOException {
        Entry running = entries.get(entry.containerId());
        if (running != null) {
            return Optional.of(running);
        }
        write(entry);
        entries.put(entry.containerId(), entry);
        return Optional.empty();
    }

    public synchronized Entry advance(Entry entry, Phase next, long version, long epoch, Instant frozenAt)
            throws IOException {
        Entry moved = entry.at(next, version, epoch, frozenAt);
        write(moved);
        entries.put(moved.containerId(), moved);
        return moved;
    }

    /** The migration is settled one way or the other. */
    public synchronized void end(Entry entry) throws IOException {
        Files.deleteIfExists(file(entry.containerId()));
        fsyncDirectory();
        entries.remove(entry.containerId());
    }

    private void write(Entry entry) throws IOException {
        if (!entry.containerId().matches("[0-9a-f]{12,64}")) {
            throw new IllegalArgumentException("not a container id: " + entry.containerId());
        }
        Path target = file(entry.containerId());
        Path tmp = dir.resolve(entry.containerId() + ".json.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(entry)));
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        fsyncDirectory();
    }

    private Path file(String containerId) {
        return dir.resolve(containerId + ".json");
    }

    private void fsyncDirectory() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
