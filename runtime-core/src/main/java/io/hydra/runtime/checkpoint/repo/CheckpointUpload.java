package io.hydra.runtime.checkpoint.repo;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.hydra.spi.storage.BlobStore;

/**
 * One image directory on its way into the store: chunks, hashes, dedups, compresses and packs it, and uploads the
 * packs; committing the manifest is the repository's part.
 *
 * <p>The calling thread reads the files in order (chunking needs the bytes in order); each chunk then goes to the
 * hashing pool, which hashes it, looks it up in the index, compresses it if new and appends it to the open pack;
 * sealed packs upload on the I/O pool. Every byte is hashed once, in parallel: a file's name is the
 * {@link MerkleRoot} of its chunks' names. Page images go by page instead ({@link PageImageUpload}). A byte budget bounds
 * what is in memory at any time: the reader takes permits for a chunk before handing it on, and they come back when
 * the chunk turns out to be a duplicate or once its pack is stored.
 *
 * <p>Closing an upload deletes the packs it stored, unless told to {@linkplain #keepPacks() keep them}.
 */
final class CheckpointUpload implements AutoCloseable {
    private static final int READ_BUFFER = 1024 * 1024;

    /**
     * What was uploaded: everything the manifest needs except its version. {@code packsReused} maps each pack the
     * index or the parent's pages pointed at to the end of the last record this upload uses in it, what the pack
     * must at least hold. {@code pageDigests} holds each page image's page digests, for the node's cache.
     */
    record Uploaded(List<ManifestFile> files, long logicalBytes, long storedBytes, long packBytes, int chunks,
                    int newChunks, Set<String> packsWritten, Map<String, Long> packsReused,
                    Map<String, byte[]> pageDigests, long newPages, long reusedPages) {
    }

    private record ChunkResult(ChunkRef ref, boolean isNew) {
    }

    private final ChunkIndex index;
    private final ExecutorService hashers;
    private final UploadBudget budget;
    private final PageImageUpload pages;
    private final boolean pageImages;
    private final PackWriter packs;
    /** Chunks of this upload already being stored: a chunk seen twice is stored once. */
    private final Map<String, CompletableFuture<ChunkRef>> inUpload = new ConcurrentHashMap<>();
    private final Map<String, Long> packsReused = new ConcurrentHashMap<>();
    private final ChunkCodec codec;
    private final AtomicLong storedBytes = new AtomicLong();
    private final AtomicInteger newChunks = new AtomicInteger();
    private final List<Future<ChunkResult>> submitted = new ArrayList<>();
    private ProgressTracker progress;
    private boolean keepPacks;

    CheckpointUpload(BlobStore store, RepositorySettings settings, ChunkIndex index, ParentPages parent,
                     ExecutorService hashers, ExecutorService io) {
        this.index = index;
        this.codec = ChunkCodec.of(settings);
        this.hashers = hashers;
        Semaphore permits = new Semaphore((int) Math.min(Integer.MAX_VALUE, settings.maxInFlightBytes()));
        this.packs = new PackWriter(store, settings.packTargetBytes(), io, permits);
        this.budget = new UploadBudget(permits, packs::failure);
        this.pageImages = settings.pageImages();
        this.pages = new PageImageUpload(codec, index, parent, packs, hashers, budget, packsReused, settings);
    }

    Uploaded upload(List<ImageScanner.ImageFile> files, ProgressListener listener) throws IOException {
        long total = files.stream().mapToLong(ImageScanner.ImageFile::size).sum();
        progress = new ProgressTracker(listener, ProgressListener.Phase.UPLOADING, total);
        progress.start();
        // Per file, its chunks' futures, or the page image read by page.
        List<Object> perFile = new ArrayList<>(files.size());
        for (ImageScanner.ImageFile file : files) {
            if (pageImages && PageImageUpload.isPageImage(file)) {
                perFile.add(pages.read(file, progress));
                continue;
            }
            List<Future<ChunkResult>> chunks = new ArrayList<>();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file.path(), LinkOption.NOFOLLOW_LINKS),
                    READ_BUFFER)) {
                Chunker chunker = new Chunker(in);
                for (byte[] chunk = chunker.next(); chunk != null; chunk = chunker.next()) {
                    budget.acquire(chunk.length + ChunkCodec.MAX_OVERHEAD_BYTES);
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
        }
        pages.finish();
        List<ManifestFile> manifestFiles = new ArrayList<>(files.size());
        int chunkCount = 0;
        for (int i = 0; i < files.size(); i++) {
            ImageScanner.ImageFile file = files.get(i);
            if (perFile.get(i) instanceof PageImageUpload.PendingFile pending) {
                ManifestFile resolved = pages.resolve(pending);
                manifestFiles.add(resolved);
                chunkCount += resolved.chunks().size();
                continue;
            }
            @SuppressWarnings("unchecked")
            List<Future<ChunkResult>> futures = (List<Future<ChunkResult>>) perFile.get(i);
            List<ChunkRef> refs = new ArrayList<>(futures.size());
            for (Future<ChunkResult> future : futures) {
                refs.add(UploadBudget.await(future).ref());
            }
            chunkCount += refs.size();
            // The file's name is the Merkle root of its chunks: no second pass over its bytes.
            manifestFiles.add(new ManifestFile(file.relativePath(), file.mode(), file.size(),
                    codec.fileId(MerkleRoot.ofChunks(refs)), refs));
        }
        packs.finish();
        return new Uploaded(manifestFiles, total, storedBytes.get() + pages.storedBytes(), packs.bytesStored(),
                chunkCount, newChunks.get() + pages.newRecords(), packs.storedPacks(), Map.copyOf(packsReused),
                pages.fileDigests(), pages.newPages(), pages.reusedPages());
    }

    /** Runs on the hashing pool. */
    private ChunkResult store(byte[] chunk) {
        int permits = chunk.length + ChunkCodec.MAX_OVERHEAD_BYTES;
        try {
            if (budget.failure() != null) {
                throw new CompletionException(budget.failure());
            }
            String sha256 = codec.chunkId(chunk);
            Optional<ChunkRef> committed = index.find(sha256);
            // A length that differs means the name is a page record's root that this chunk's bytes spell out.
            if (committed.isPresent() && committed.get().plainLength() == chunk.length) {
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
            budget.fail(e);
            throw e;
        }
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
        budget.fail(new IOException("checkpoint upload abandoned"));
        pages.drain();
        UploadBudget.drain(submitted);
        packs.abort();
    }
}
