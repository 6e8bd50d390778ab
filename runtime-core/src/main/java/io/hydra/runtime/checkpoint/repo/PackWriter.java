package io.hydra.runtime.checkpoint.repo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * Appends chunk records into packs of about {@code targetBytes} and uploads each sealed pack in the background, so
 * the store holds a few large objects instead of millions of tiny ones.
 *
 * <p>A pack is the bare concatenation of records; each record carries its own header ({@link ChunkCodec}) and the
 * manifest says where each one is, so a pack needs no index of its own.
 *
 * <p>Pack ids are random UUIDs, not the SHA-256 of the pack's bytes. A content name would buy nothing: records are
 * appended in whatever order the hashing threads finish, so two uploads almost never produce the same pack. And it
 * would be unsafe: a put that finds a same-named pack already there (conditional create answers "exists") would
 * rely on an old blob that a garbage collector in another process may be deleting right then, since that blob is
 * older than the grace period. A fresh random name is always a new blob with a fresh modification time, which is
 * exactly what the grace period protects.
 *
 * <p>Memory: every record appended holds permits of the upload's byte budget until its pack is stored.
 */
final class PackWriter {
    static final String PREFIX = "packs/";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.=-]{0,199}");

    private final BlobStore store;
    private final int targetBytes;
    private final ExecutorService uploader;
    private final Semaphore budget;
    private final List<CompletableFuture<Void>> uploads = new ArrayList<>();
    private final Set<String> stored = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong bytesStored = new AtomicLong();
    private String packId;
    private byte[] pack;
    private int packLength;
    private boolean aborted;

    PackWriter(BlobStore store, long targetBytes, ExecutorService uploader, Semaphore budget) {
        this.store = store;
        this.targetBytes = Math.toIntExact(targetBytes);
        this.uploader = uploader;
        this.budget = budget;
    }

    static String blobName(String packId) {
        return PREFIX + packId;
    }

    /** Pack ids this package accepts from a manifest: one safe blob name segment. */
    static boolean isValidId(String id) {
        return ID.matcher(id).matches() && !id.contains("..");
    }

    /** Appends a record (its permits already taken from the budget) and says where it went. */
    synchronized ChunkRef append(String sha256, int plainLength, byte[] record) {
        if (aborted) {
            throw new IllegalStateException("the upload was aborted");
        }
        if (pack == null) {
            packId = UUID.randomUUID().toString();
            pack = new byte[targetBytes + ChunkCodec.MAX_RECORD_BYTES];
            packLength = 0;
        }
        System.arraycopy(record, 0, pack, packLength, record.length);
        ChunkRef ref = new ChunkRef(sha256, plainLength, packId, packLength, record.length);
        packLength += record.length;
        if (packLength >= targetBytes) {
            seal();
        }
        return ref;
    }

    private void seal() {
        String id = packId;
        byte[] bytes = pack;
        int length = packLength;
        pack = null;
        packId = null;
        uploads.add(CompletableFuture.runAsync(() -> upload(id, bytes, length), uploader));
    }

    private void upload(String id, byte[] bytes, int length) {
        try {
            if (failure.get() != null) {
                return; // the upload is failing anyway: do not add garbage
            }
            String name = blobName(id);
            if (!store.put(name, new ByteArrayInputStream(bytes, 0, length), length, true)) {
                throw new IOException("pack " + name + " already exists: pack ids are random UUIDs, so the store"
                        + " does not honour conditional create");
            }
            stored.add(id);
            Optional<BlobInfo> info = store.stat(name);
            if (info.isEmpty() || info.get().length() != length) {
                throw new IOException("pack " + name + " was stored but reads back as "
                        + info.map(i -> i.length() + " bytes").orElse("missing") + ", not " + length + " bytes");
            }
            bytesStored.addAndGet(length);
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            budget.release(length);
        }
    }

    /** The first upload failure, so the producer stops early instead of reading the rest of a large image. */
    Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** Seals the open pack, waits for every upload, and throws the first failure. */
    void finish() throws IOException {
        List<CompletableFuture<Void>> all;
        synchronized (this) {
            if (pack != null && packLength > 0) {
                seal();
            }
            all = List.copyOf(uploads);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        Throwable failed = failure.get();
        if (failed instanceof IOException io) {
            throw io;
        }
        if (failed != null) {
            throw new IOException("pack upload failed: " + failed, failed);
        }
    }

    /**
     * Waits for uploads in flight and deletes every pack this writer stored: no manifest references them. Best
     * effort; what cannot be deleted now is garbage collection's once the grace period has passed.
     */
    void abort() {
        List<CompletableFuture<Void>> all;
        synchronized (this) {
            aborted = true;
            if (pack != null) {
                budget.release(packLength);
                pack = null;
            }
            all = List.copyOf(uploads);
        }
        for (CompletableFuture<Void> upload : all) {
            upload.exceptionally(e -> null).join();
        }
        for (String id : stored) {
            try {
                store.delete(blobName(id));
            } catch (IOException | RuntimeException e) {
                // Left for garbage collection.
            }
        }
    }

    /** Packs stored so far (all of them after {@link #finish}). */
    Set<String> storedPacks() {
        return Set.copyOf(stored);
    }

    long bytesStored() {
        return bytesStored.get();
    }
}
