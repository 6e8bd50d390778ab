package io.hydra.runtime.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.TreeSet;

/**
 * The containers fencing froze, kept in one file under the daemon's root (written to a temporary file, synced and
 * renamed over the old one), so a daemon killed at any instant knows after its restart which paused containers are
 * fencing's to thaw and which a user paused. An id is written before its container is frozen, and dropped only
 * after it was thawed or removed.
 */
public final class FencedContainers {
    private final Path file;
    private final Set<String> ids = new TreeSet<>();

    public FencedContainers(Path file) {
        this.file = file;
        try {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        ids.add(line.trim());
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the fenced containers' list " + file + ": "
                    + e.getMessage(), e);
        }
    }

    public synchronized Set<String> ids() {
        return Set.copyOf(ids);
    }

    public synchronized boolean contains(String id) {
        return ids.contains(id);
    }

    public synchronized void add(String id) {
        if (ids.add(id)) {
            write();
        }
    }

    public synchronized void remove(String id) {
        if (ids.remove(id)) {
            write();
        }
    }

    private void write() {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            byte[] text = (String.join("\n", ids) + (ids.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(text));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the fenced containers' list " + file + ": "
                    + e.getMessage(), e);
        }
    }
}
