package io.hydra.runtime.checkpoint.repo;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * CRIU page images ({@code pages-<n>.img}) stored page by page: only pages whose content the parent version (or an
 * earlier page of this upload) does not hold are stored; every other page is a reference into a record that already
 * exists. A process that rewrote 5% of its memory as scattered 4 KiB pages stores about 5% of the image, where
 * content-defined chunks of 16–256 KiB would store every chunk such a page falls in.
 *
 * <p>The reader thread reads a page image in blocks of 64 pages; the hashing pool computes each block's page
 * digests (SHA-256, or the keyed hash when encrypting), several blocks ahead of the reader. The reader then takes the
 * blocks in file order, looks every page up (parent, then this upload), and copies the new ones into the open page
 * record; a record of 64 new pages is sealed on the hashing pool (named by the {@link MerkleRoot} of its pages,
 * LZ4-compressed, appended to the open pack, unless the chunk index knows a record of that name already: the first
 * checkpoint of a second container of the same image stores nothing new). Going through the pages in file order keeps consecutive new pages
 * consecutive in their record, so a changed 64 KiB run is one run of the {@link PageIndex}.
 *
 * <p>Memory: at most {@link #depth} blocks wait for the reader, plus one open record and the records being sealed,
 * all taken from the upload's budget; the depth leaves room for the open pack, so the reader never waits for permits
 * only it could give back.
 */
final class PageImageUpload {
    static final int PAGES_PER_RECORD = Chunker.MAX_CHUNK / Chunker.PAGE;
    private static final int BLOCK_BYTES = PAGES_PER_RECORD * Chunker.PAGE;
    private static final int RECORD_PERMITS = ChunkCodec.MAX_RECORD_BYTES;
    private static final Pattern PAGE_IMAGE = Pattern.compile("pages-[0-9]+\\.img");
    private static final int D = MerkleRoot.DIGEST_BYTES;

    /** A page image read and looked up; its records resolve once every open record is sealed. */
    static final class PendingFile {
        private final ImageScanner.ImageFile file;
        private final byte[] digests;
        private final PageIndex.Builder index = new PageIndex.Builder();
        private final Map<Object, Integer> tableIndex = new HashMap<>();
        /** A parent record ({@link ChunkRef}) or a {@link Batch} of this upload. */
        private final List<Object> table = new ArrayList<>();

        private PendingFile(ImageScanner.ImageFile file, int pages) {
            this.file = file;
            this.digests = new byte[pages * D];
        }

        private void add(Object record, int pageInRecord) {
            Integer position = tableIndex.get(record);
            if (position == null) {
                position = table.size();
                tableIndex.put(record, position);
                table.add(record);
            }
            index.add(position, pageInRecord);
        }
    }

    /** A page record being filled by the reader, then sealed on the hashing pool. */
    private static final class Batch {
        private final int number;
        private byte[] data = new byte[BLOCK_BYTES];
        private final byte[] digests = new byte[PAGES_PER_RECORD * D];
        private int pages;
        private final CompletableFuture<ChunkRef> ref = new CompletableFuture<>();

        private Batch(int number) {
            this.number = number;
        }
    }

    private record Block(long firstPage, int pages, byte[] data, Future<byte[]> digests) {
    }

    private final ChunkCodec codec;
    private final ChunkIndex index;
    private final ParentPages parent;
    private final PackWriter packs;
    private final ExecutorService hashers;
    private final UploadBudget budget;
    private final Map<String, Long> packsReused;
    private final int depth;
    /** Pages new in this upload, by digest, to their number: record {@code n / 64}, page {@code n % 64}. */
    private final PageDigestTable inUpload = new PageDigestTable(4096);
    private final List<Batch> batches = new ArrayList<>();
    private final List<Future<?>> submitted = new ArrayList<>();
    private final AtomicLong storedBytes = new AtomicLong();
    private final AtomicInteger newRecords = new AtomicInteger();
    private final Map<String, byte[]> fileDigests = new LinkedHashMap<>();
    private long newPages;
    private long reusedPages;
    private Batch open;

    PageImageUpload(ChunkCodec codec, ChunkIndex index, ParentPages parent, PackWriter packs,
                    ExecutorService hashers, UploadBudget budget, Map<String, Long> packsReused,
                    RepositorySettings settings) {
        this.codec = codec;
        this.index = index;
        this.parent = parent;
        this.packs = packs;
        this.hashers = hashers;
        this.budget = budget;
        this.packsReused = packsReused;
        long room = settings.maxInFlightBytes() - settings.packTargetBytes() - RECORD_PERMITS;
        this.depth = (int) Math.max(1, Math.min(4L * settings.parallelism(), room / BLOCK_BYTES - 1));
    }

    /** Whether a file of the image is a page image this class stores: top level, whole pages, not empty. */
    static boolean isPageImage(ImageScanner.ImageFile file) {
        return PAGE_IMAGE.matcher(file.relativePath()).matches() && file.size() > 0
                && file.size() % Chunker.PAGE == 0 && file.size() / Chunker.PAGE <= Integer.MAX_VALUE / D;
    }

    /** Reads, hashes and looks up every page of one page image; on the reader thread. */
    PendingFile read(ImageScanner.ImageFile file, ProgressTracker progress) throws IOException {
        int pages = (int) (file.size() / Chunker.PAGE);
        PendingFile pending = new PendingFile(file, pages);
        Deque<Block> ahead = new ArrayDeque<>();
        long read = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file.path(), LinkOption.NOFOLLOW_LINKS),
                BLOCK_BYTES)) {
            for (long page = 0; page < pages; ) {
                if (ahead.size() >= depth) {
                    lookUp(pending, ahead.removeFirst(), progress);
                }
                int count = (int) Math.min(PAGES_PER_RECORD, pages - page);
                budget.acquire(count * Chunker.PAGE);
                byte[] data = new byte[count * Chunker.PAGE];
                int n = in.readNBytes(data, 0, data.length);
                read += n;
                if (n < data.length) {
                    budget.release(data.length);
                    throw changed(file, read);
                }
                Future<byte[]> digests = hashers.submit(() -> codec.pageDigests(data, count));
                submitted.add(digests);
                ahead.add(new Block(page, count, data, digests));
                page += count;
            }
            if (in.read() >= 0) {
                throw changed(file, read + 1);
            }
            while (!ahead.isEmpty()) {
                lookUp(pending, ahead.removeFirst(), progress);
            }
        } finally {
            for (Block block : ahead) {
                budget.release(block.data().length);
            }
        }
        fileDigests.put(file.relativePath(), pending.digests);
        return pending;
    }

    private static IOException changed(ImageScanner.ImageFile file, long read) {
        return new IOException("image file " + file.relativePath() + " changed while it was read (" + file.size()
                + " bytes when scanned, " + (read > file.size() ? "more" : String.valueOf(read)) + " read)");
    }

    private void lookUp(PendingFile file, Block block, ProgressTracker progress) throws IOException {
        try {
            byte[] digests = UploadBudget.await(block.digests());
            System.arraycopy(digests, 0, file.digests, (int) (block.firstPage() * D), digests.length);
            for (int i = 0; i < block.pages(); i++) {
                int location = parent.find(digests, i * D);
                if (location >= 0) {
                    ChunkRef record = parent.record(location);
                    packsReused.merge(record.pack(), record.offset() + record.storedLength(), Math::max);
                    file.add(record, parent.page(location));
                    reusedPages++;
                    continue;
                }
                int number = inUpload.find(digests, i * D);
                if (number < 0) {
                    number = append(block.data(), i, digests);
                    inUpload.putIfAbsent(digests, i * D, number);
                } else {
                    reusedPages++;
                }
                file.add(batches.get(number / PAGES_PER_RECORD), number % PAGES_PER_RECORD);
            }
        } finally {
            budget.release(block.data().length);
        }
        progress.advance((long) block.pages() * Chunker.PAGE);
    }

    /** Copies a new page into the open record, sealing it once full; the page's number. */
    private int append(byte[] data, int page, byte[] digests) throws IOException {
        if (open == null) {
            budget.acquire(RECORD_PERMITS);
            open = new Batch(batches.size());
            batches.add(open);
        }
        System.arraycopy(data, page * Chunker.PAGE, open.data, open.pages * Chunker.PAGE, Chunker.PAGE);
        System.arraycopy(digests, page * D, open.digests, open.pages * D, D);
        int number = open.number * PAGES_PER_RECORD + open.pages;
        open.pages++;
        newPages++;
        if (open.pages == PAGES_PER_RECORD) {
            seal(open);
            open = null;
        }
        return number;
    }

    private void seal(Batch batch) {
        submitted.add(hashers.submit(() -> {
            try {
                if (budget.failure() != null) {
                    throw UploadBudget.asIOException(budget.failure());
                }
                String id = MerkleRoot.ofPages(batch.digests, 0, batch.pages);
                Optional<ChunkRef> committed = index.find(id);
                if (committed.isPresent() && committed.get().plainLength() == batch.pages * Chunker.PAGE) {
                    // The same record is stored already: another container of the same image, most often.
                    batch.data = null;
                    budget.release(RECORD_PERMITS);
                    packsReused.merge(committed.get().pack(), committed.get().offset()
                            + committed.get().storedLength(), Math::max);
                    batch.ref.complete(committed.get());
                    return null;
                }
                byte[] plain = batch.pages == PAGES_PER_RECORD ? batch.data
                        : Arrays.copyOf(batch.data, batch.pages * Chunker.PAGE);
                batch.data = null;
                byte[] record = codec.record(plain, id);
                // The pack now holds the record's bytes; the rest of the record's permits are free.
                budget.release(RECORD_PERMITS - record.length);
                ChunkRef ref = packs.append(id, plain.length, record);
                storedBytes.addAndGet(record.length);
                newRecords.incrementAndGet();
                batch.ref.complete(ref);
                return null;
            } catch (Throwable e) {
                budget.fail(e);
                batch.ref.completeExceptionally(e);
                throw e;
            }
        }));
    }

    /** Seals the last, partly filled record; after the last page image. */
    void finish() {
        if (open != null) {
            seal(open);
            open = null;
        }
    }

    /** The page image's manifest entry, once its records are stored; after {@link #finish()}. */
    ManifestFile resolve(PendingFile pending) throws IOException {
        List<ChunkRef> records = new ArrayList<>(pending.table.size());
        for (Object record : pending.table) {
            records.add(record instanceof Batch batch ? UploadBudget.await(batch.ref) : (ChunkRef) record);
        }
        int pages = pending.digests.length / D;
        String root = MerkleRoot.ofPages(pending.digests, 0, pages);
        return new ManifestFile(pending.file.relativePath(), pending.file.mode(), pending.file.size(),
                codec.fileId(root), records, Optional.of(pending.index.build()));
    }

    /** Per page image, its page digests: what the node's {@link PageDigestCache} keeps for the next checkpoint. */
    Map<String, byte[]> fileDigests() {
        return fileDigests;
    }

    long storedBytes() {
        return storedBytes.get();
    }

    int newRecords() {
        return newRecords.get();
    }

    int records() {
        return batches.size();
    }

    long newPages() {
        return newPages;
    }

    long reusedPages() {
        return reusedPages;
    }

    /** Waits for every task handed to the pool; after a failure, so none touches the packs once they are aborted. */
    void drain() {
        UploadBudget.drain(submitted);
    }
}
