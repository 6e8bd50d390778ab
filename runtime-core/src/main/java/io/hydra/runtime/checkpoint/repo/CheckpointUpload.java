package io.hydra.runtime.checkpoint.repo;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.hydra.spi.storage.BlobStore;

/**
 * One image directory on its way into the store: chunks, hashes, dedups, compresses and packs it, and uploads the
 * packs; committing the manifest is the repository's part.
 *
 * <p>The calling thread reads the files in order (chunking needs the bytes in order, and it also computes each
 * file's whole SHA-256); each chunk then goes to the hashing pool, which hashes it, looks it up in the index,
 * compresses it if new and appends it to the open pack; sealed packs upload on the I/O pool. A byte budget bounds
 * what is in memory at any time: the reader takes permits for a chunk before handing it on, and they come back when
 * the chunk turns out to be a duplicate or once its pack is stored.
 *
 * <p>Closing an upload deletes the packs it stored, unless told to {@linkplain #keepPacks() keep them}.
 */
final class CheckpointUpload implements AutoCloseable {
    private static final int READ_BUFFER = 1024 * 1024;

    /**
     * What was uploaded: everything the manifest needs except its version. {@code packsReused} maps each pack the
     * index pointed at to the end of the last record this upload uses in it, what the pack must at least hold.
     */
    record Uploaded(List<ManifestFile> files, long logicalBytes, long storedBytes, long packBytes, int chunks,
                    int newChunks, Set<String> packsWritten, Map<String, Long> packsReused) {
    }

    private record ChunkResult(ChunkRef ref, boolean isNew) {
    }

    private final ChunkIndex index;
    private final ExecutorService hashers;
    private final Semaphore budget;
    private final PackWriter packs;
    /** Chunks of this upload already being stored: a chunk seen twice is stored once. */
    private final Map<String, CompletableFuture<ChunkRef>> inUpload = new ConcurrentHashMap<>();
    private final Map<String, Long> packsReused = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ChunkCodec codec;
    private final AtomicLong storedBytes = new AtomicLong();
    private final AtomicInteger newChunks = new AtomicInteger();
    private final List<Future<ChunkResult>> submitted = new ArrayList<>();
    private ProgressTracker progress;
    private boolean keepPacks;

    CheckpointUpload(BlobStore store, RepositorySettings settings, ChunkIndex index, ExecutorService hashers,
                     ExecutorService io) {
        this.index = index;
        this.codec = ChunkCodec.of(settings);
        this.hashers = hashers;
        this.budget = new Semaphore((int) Math.min(Integer.MAX_VALUE, settings.maxInFlightBytes()));
        this.packs = new PackWriter(store, settings.packTargetBytes(), io, budget);
    }

    Uploaded upload(List<ImageScanner.ImageFile> files, ProgressListener listener) throws IOException {
        long total = files.stream().mapToLong(ImageScanner.ImageFile::size).sum();
        progress = new ProgressTracker(listener, ProgressListener.Phase.UPLOADING, total);
        progress.start();
        List<List<Future<ChunkResult>>> perFile = new ArrayList<>(files.size());
        List<String> fileHashes = new ArrayList<>(files.size());
        List<Long> sizes = new ArrayList<>(files.size());
        for (ImageScanner.ImageFile file : files) {
            MessageDigest digest = Sha256.newDigest();
            List<Future<ChunkResult>> chunks = new ArrayList<>();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file.path(), LinkOption.NOFOLLOW_LINKS),
                    READ_BUFFER)) {
                Chunker chunker = new Chunker(in, digest);
                for (byte[] chunk = chunker.next(); chunk != null; chunk = chunker.next()) {
                    acquire(chunk.length + ChunkCodec.MAX_OVERHEAD_BYTES);
                    byte[] data = chunk;
                    Future<ChunkResult> future = hashers.submit(() -> store(data));
                    chunks.add(future);
                    submitted.add(future);
                }
                if (chunker.bytesRead() != file.size()) {
                    throw new IOException("image file " + file.relativePath() + " changed while it was read ("
                            + file.size() + " bytes when scanned, " + chunker.bytesRead() + " read)");
                }
            }
            perFile.add(chunks);
            fileHashes.add(codec.fileId(Sha256.hex(digest)));
            sizes.add(file.size());
        }
        List<ManifestFile> manifestFiles = new ArrayList<>(files.size());
        int chunkCount = 0;
        for (int i = 0; i < files.size(); i++) {
            List<ChunkRef> refs = new ArrayList<>(perFile.get(i).size());
            for (Future<ChunkResult> future : perFile.get(i)) {
                refs.add(await(future).ref());
            }
            chunkCount += refs.size();
            ImageScanner.ImageFile file = files.get(i);
            manifestFiles.add(new ManifestFile(file.relativePath(), file.mode(), sizes.get(i), fileHashes.get(i),
                    refs));
        }
        packs.finish();
        return new Uploaded(manifestFiles, total, storedBytes.get(), packs.bytesStored(), chunkCount,
                newChunks.get(), packs.storedPacks(), Map.copyOf(packsReused));
    }

    /** Runs on the hashing pool. */
    private ChunkResult store(byte[] chunk) {
        int permits = chunk.length + ChunkCodec.MAX_OVERHEAD_BYTES;
        try {
            if (failure.get() != null) {
                throw new CompletionException(failure.get());
            }
            String sha256 = codec.chunkId(chunk);
            Optional<ChunkRef> committed = index.find(sha256);
            if (committed.isPresent()) {
                budget.release(permits);
                packsReused.merge(committed.get().pack(), committed.get().offset() + committed.get().storedLength(),
                        Math::max);
                progress.advance(chunk.length);
                return new ChunkResult(committed.get(), false);
            }
            CompletableFuture<ChunkRef> mine = new CompletableFuture<>();
            CompletableFuture<ChunkRef> earlier = inUpload.putIfAbsent(sha256, mine);
            if (earlier != null) {
                budget.release(permits);
                // The task that registered it is running and does not block, so this wait ends.
                ChunkRef ref = earlier.join();
                progress.advance(chunk.length);
                return new ChunkResult(ref, false);
            }
            try {
                byte[] record = codec.record(chunk, sha256);
                // The pack now holds the record's bytes; the rest of the chunk's permits are free.
                budget.release(permits - record.length);
                ChunkRef ref = packs.append(sha256, chunk.length, record);
                mine.complete(ref);
                storedBytes.addAndGet(record.length);
                newChunks.incrementAndGet();
                progress.advance(chunk.length);
                return new ChunkResult(ref, true);
            } catch (RuntimeException | Error e) {
                mine.completeExceptionally(e);
                throw e;
            }
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
            throw e;
        }
    }

    /** Takes budget permits, giving up as soon as any part of the upload has failed. */
    private void acquire(int permits) throws IOException {
        try {
            while (!budget.tryAcquire(permits, 50, TimeUnit.MILLISECONDS)) {
                checkFailure();
            }
            checkFailure();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("checkpoint upload interrupted");
        }
    }

    private void checkFailure() throws IOException {
        Throwable failed = failure.get();
        if (failed == null) {
            failed = packs.failure().orElse(null);
        }
        if (failed != null) {
            throw asIOException(failed);
        }
    }

    private static ChunkResult await(Future<ChunkResult> future) throws IOException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw asIOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("checkpoint upload interrupted");
        }
    }

    private static IOException asIOException(Throwable failed) {
        while ((failed instanceof CompletionException || failed instanceof ExecutionException)
                && failed.getCause() != null) {
            failed = failed.getCause();
        }
        return failed instanceof IOException io ? io : new IOException("checkpoint upload failed: " + failed, failed);
    }

    /**
     * Closing must keep the packs: the manifest referencing them is committed, or may be (its put failed in a way
     * that does not tell). Packs kept for nothing are garbage collection's.
     */
    void keepPacks() {
        keepPacks = true;
    }

    @Override
    public void close() {
        if (keepPacks) {
            return;
        }
        failure.compareAndSet(null, new IOException("checkpoint upload abandoned"));
        // Let the chunk tasks drain (they fail fast now) so none appends to a pack after the writer is aborted.
        for (Future<ChunkResult> future : submitted) {
            try {
                future.get();
            } catch (ExecutionException e) {
                // Already reported, or the abandonment itself.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        packs.abort();
    }
}
