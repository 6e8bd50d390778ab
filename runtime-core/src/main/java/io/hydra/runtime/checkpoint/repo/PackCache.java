package io.hydra.runtime.checkpoint.repo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;
import io.hydra.spi.storage.BoundedInputStream;

/**
 * A store whose packs can be pulled ahead of time into a private local directory: during live migration the target
 * node fetches the packs of each pre-copy round while the container still runs, so the final restore only waits for
 * what the last round added. Reads of a cached pack are served locally; everything else goes to the wrapped store,
 * which stays the truth ({@code stat}, {@code list} and {@code put} never consult the cache).
 *
 * <p>Cached bytes are not trusted, so the cache keeps no checksum of its own: restore verifies every record against
 * the SHA-256 its (verified, MAC'd when keyed) manifest records, so a damaged or tampered file fails the restore as a
 * {@link CheckpointCorruptException} and never yields a wrong image. Packs are immutable (random ids, never
 * rewritten), so a cached copy cannot go stale; it can only be damaged, and {@link #forget} discards it then.
 *
 * <p>Bounded by {@code maxBytes}, least recently used first; the order is each file's mtime, touched on every read,
 * so it survives a restart of the daemon. Thread-safe, and safe against other processes sharing the directory:
 * files appear only by atomic rename.
 */
public final class PackCache implements BlobStore {
    /** Pack ids never start with '.', so a temp file can never be taken for a pack. */
    static final String TEMP_PREFIX = ".tmp-";
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private final BlobStore store;
    private final Path dir;
    private final long maxBytes;
    private final Object evictLock = new Object();

    /** @param maxBytes the bound of the cache; 0 turns it off (fetch downloads nothing) */
    public PackCache(BlobStore store, Path dir, long maxBytes) throws IOException {
        this.store = Objects.requireNonNull(store, "store");
        if (maxBytes < 0) {
            throw new IllegalArgumentException("a pack cache of " + maxBytes + " bytes");
        }
        this.maxBytes = maxBytes;
        this.dir = Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
        // An existing directory keeps its mode through createDirectories, and the cache holds checkpoint data.
        Files.setPosixFilePermissions(dir, PRIVATE);
        for (Path file : entries()) {
            if (file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                Files.deleteIfExists(file); // a download killed midway
            }
        }
    }

    /**
     * Downloads the pack unless it is cached already, then evicts down to the bound (never this pack).
     *
     * @param size the pack's length in the store ({@link CheckpointRepository#packs}); a download of another length is
     *             discarded
     * @return bytes downloaded: 0 when cached already or the cache is off
     */
    public long fetch(String packBlobName, long size) throws IOException {
        Path target = file(packBlobName, true);
        if (size < 0) {
            throw new IllegalArgumentException("pack " + packBlobName + " of " + size + " bytes");
        }
        if (maxBytes == 0) {
            return 0;
        }
        try {
            if (Files.size(target) == size) {
                touch(target);
                return 0;
            }
            Files.deleteIfExists(target); // not the pack's length, so damaged: fetch it again
        } catch (NoSuchFileException e) {
            // not cached
        }
        // Unique per download, so concurrent fetches of one pack never write the same file; the last rename wins
        // with identical bytes, and readers of the file it replaced keep their open copy.
        Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        long received = 0;
        try (InputStream in = store.get(packBlobName);
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[1 << 16];
            // Stops one buffer past the expected length: a wrong blob is never copied whole.
            for (int n; received <= size && (n = in.read(buffer)) >= 0; received += n) {
                for (ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n); chunk.hasRemaining(); ) {
                    out.write(chunk);
                }
            }
            if (received != size) {
                throw new IOException("pack " + packBlobName + " downloaded as " + (received > size ? "more than "
                        : "") + received + " bytes, not the " + size + " expected; discarded");
            }
            out.force(false); // or a power loss could leave a renamed file of zeros
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        evict(target);
        return received;
    }

    /** Discards the cached copy (it failed verification, say); the next read goes to the store. */
    public void forget(String packBlobName) throws IOException {
        Files.deleteIfExists(file(packBlobName, true));
    }

    /** What {@link #fetchAll} did: bytes downloaded now, and bytes of the packs that were cached already. */
    public record Fetched(long fetchedBytes, long cachedBytes) {
    }

    /** Fetches every pack of a version ({@link CheckpointRepository#packs}: blob name to size) not cached yet. */
    public Fetched fetchAll(Map<String, Long> packs) throws IOException {
        long fetched = 0;
        long cached = 0;
        for (Map.Entry<String, Long> pack : packs.entrySet()) {
            long got = fetch(pack.getKey(), pack.getValue());
            fetched += got;
            // nothing downloaded with the cache on: it was there (a pack is never empty)
            cached += got == 0 && maxBytes > 0 ? pack.getValue() : 0;
        }
        return new Fetched(fetched, cached);
    }

    /** Bytes of the packs cached now. */
    public long cachedBytes() throws IOException {
        return cached().stream().mapToLong(Cached::size).sum();
    }

    @Override
    public String name() {
        return store.name();
    }

    @Override
    public InputStream get(String blobName) throws IOException {
        FileChannel channel = open(blobName);
        return channel != null ? Channels.newInputStream(channel) : store.get(blobName);
    }

    /** The ranged read of the contract: at most {@code length} bytes, EOFException where the pack ends inside. */
    @Override
    public InputStream get(String blobName, long offset, long length) throws IOException {
        BlobStore.checkRange(offset, length);
        FileChannel channel = open(blobName);
        if (channel == null) {
            return store.get(blobName, offset, length);
        }
        try {
            if (length > 0 && offset >= channel.size()) {
                throw new EOFException("blob " + blobName + " has " + channel.size() + " bytes; a read from offset "
                        + offset + " is past its end");
            }
            channel.position(offset);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new BoundedInputStream(Channels.newInputStream(channel), length);
    }

    @Override
    public boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException {
        return store.put(blobName, content, length, ifAbsent);
    }

    @Override
    public Optional<BlobInfo> stat(String blobName) throws IOException {
        return store.stat(blobName);
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        return store.list(prefix);
    }

    @Override
    public void forEach(String prefix, BlobVisitor visitor) throws IOException {
        store.forEach(prefix, visitor);
    }

    @Override
    public void delete(String blobName) throws IOException {
        try {
            store.delete(blobName);
        } finally {
            Path file = file(blobName, false);
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    @Override
    public void close() throws IOException {
        store.close();
    }

    /** The cached copy opened for reading and marked used; null when it is not cached. */
    private FileChannel open(String blobName) throws IOException {
        Path file = file(blobName, false);
        if (file == null) {
            return null;
        }
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            touch(file);
            return channel;
        } catch (NoSuchFileException e) {
            return null; // not cached, or evicted just now: an open file would have survived its eviction
        }
    }

    /** The local file of a pack name; for any other name null (it always goes to the store), or refused. */
    private Path file(String blobName, boolean strict) {
        String id = blobName != null && blobName.startsWith(PackWriter.PREFIX)
                ? blobName.substring(PackWriter.PREFIX.length()) : "";
        if (PackWriter.isValidId(id)) {
            return dir.resolve(id);
        }
        if (strict) {
            throw new IllegalArgumentException("'" + blobName + "' is not a pack name (" + PackWriter.PREFIX
                    + "<id>, one safe segment)");
        }
        return null;
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // evicted meanwhile, or a read-only cache: the order is only a hint
        }
    }

    private void evict(Path keep) throws IOException {
        synchronized (evictLock) {
            List<Cached> files = cached();
            long total = files.stream().mapToLong(Cached::size).sum();
            files.sort(Comparator.comparing(Cached::modified).thenComparing(c -> c.file().getFileName().toString()));
            for (int i = 0; i < files.size() && total > maxBytes; i++) {
                Cached cached = files.get(i);
                if (!cached.file().equals(keep)) {
                    Files.deleteIfExists(cached.file());
                    total -= cached.size();
                }
            }
        }
    }

    private record Cached(Path file, long size, FileTime modified) {
    }

    private List<Cached> cached() throws IOException {
        List<Cached> cached = new ArrayList<>();
        for (Path file : entries()) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (attributes.isRegularFile() && PackWriter.isValidId(file.getFileName().toString())) {
                    cached.add(new Cached(file, attributes.size(), attributes.lastModifiedTime()));
                }
            } catch (NoSuchFileException e) {
                // evicted or forgotten meanwhile
            }
        }
        return cached;
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }
}
