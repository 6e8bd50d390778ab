package io.hydra.runtime.checkpoint.repo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.hydra.spi.storage.BlobStore;

/**
 * Rebuilds an image directory from a validated manifest, verifying everything before anything becomes visible.
 *
 * <p>Chunks that lie back to back in one pack are fetched with one ranged read ("runs", a few MiB at most), on the
 * I/O pool, ahead of the writer and within the byte budget; each chunk is checked against the manifest and its
 * SHA-256 as soon as it arrives. The calling thread writes the chunks in file order; a page image's records are
 * fetched in the order they lie in their packs and their pages written where the file's {@link PageIndex} puts them.
 * Every file is then checked against its name: the Merkle root of its chunks' or pages' digests (format 2), or the
 * SHA-256 of its bytes (format 1). Files go into a fresh temporary directory next to the target (created 0700: it holds a process's
 * memory); only when every file has been written, verified and synced is that directory renamed to the target. On
 * any failure the temporary directory is deleted, so the target either holds a verified image or does not exist.
 */
final class CheckpointRestore {
    private static final int MAX_RUN_BYTES = 4 * 1024 * 1024;

    /**
     * Consecutive chunks of one file stored back to back in one pack; for a page image, records of its table (their
     * positions in {@code slots}) in pack order.
     */
    private record Run(int file, String pack, long offset, int storedLength, int plainLength, List<ChunkRef> chunks,
                       int[] slots) {
        long cost() {
            return (long) storedLength + plainLength;
        }
    }

    /** A chunk or page record fetched and verified; a record's page digests with it. */
    private record Decoded(byte[] plain, byte[] pageDigests) {
    }

    private final BlobStore store;
    private final ExecutorService io;
    private final Semaphore budget;
    private final int maxRunBytes;
    private final AtomicLong fetched = new AtomicLong();
    private final ChunkCodec codec;
    /** With a MAC key every manifest read has a verified MAC (see {@link ChunkCodec#plain}). */
    private final boolean manifestsAuthenticated;
    private final Map<String, byte[]> pageDigests = new LinkedHashMap<>();

    CheckpointRestore(BlobStore store, RepositorySettings settings, ExecutorService io) {
        this.store = store;
        this.codec = ChunkCodec.of(settings);
        this.manifestsAuthenticated = settings.macKey().isPresent();
        this.io = io;
        long inFlight = settings.maxInFlightBytes();
        this.budget = new Semaphore((int) Math.min(Integer.MAX_VALUE, inFlight));
        // Each run costs at most twice this (fetched plus decoded), which must fit the budget.
        this.maxRunBytes = (int) Math.min(MAX_RUN_BYTES, inFlight / 4);
    }

    RestoreResult restore(Manifest manifest, long manifestBytes, Path targetDir, ProgressListener listener)
            throws IOException {
        long started = System.nanoTime();
        Path target = targetDir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) {
            throw new IOException("restore target " + targetDir + " has no parent directory");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "restore target already exists");
        }
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".restore-");
        try {
            ProgressTracker progress = new ProgressTracker(listener, ProgressListener.Phase.DOWNLOADING,
                    manifest.logicalBytes());
            progress.start();
            writeFiles(manifest, temp, progress);
            syncDirectories(temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(temp);
            throw e;
        }
        sync(parent);
        return new RestoreResult(manifest.containerId(), manifest.version(), target, manifest.files().size(),
                manifest.logicalBytes(), manifestBytes + fetched.get(), Duration.ofNanos(System.nanoTime() - started));
    }

    /** Per page image restored, its page digests (once the restore has succeeded). */
    Map<String, byte[]> pageDigests() {
        return pageDigests;
    }

    private void writeFiles(Manifest manifest, Path temp, ProgressTracker progress) throws IOException {
        List<Run> runs = runs(manifest.files());
        Deque<Future<List<Decoded>>> ahead = new ArrayDeque<>();
        int nextToSubmit = 0;
        int nextToWrite = 0;
        try {
            for (int f = 0; f < manifest.files().size(); f++) {
                ManifestFile file = manifest.files().get(f);
                Path path = temp.resolve(file.path());
                if (!path.normalize().startsWith(temp)) {
                    // Validation already refuses such paths; this is the last line of defence.
                    throw CheckpointCorruptException.ofFile(manifest.containerId(), manifest.version(), file.path(),
                            "would be written outside the restore directory");
                }
                Files.createDirectories(path.getParent());
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    FileSink sink = file.byPage() ? new PageSink(file, channel)
                            : new ChunkSink(manifest, file, channel);
                    while (nextToWrite < runs.size() && runs.get(nextToWrite).file() == f) {
                        // Keep the pool busy ahead of the writer, as far as the budget goes.
                        while (nextToSubmit < runs.size() && budget.tryAcquire((int) runs.get(nextToSubmit).cost())) {
                            ahead.add(submit(manifest, runs.get(nextToSubmit++)));
                        }
                        if (ahead.isEmpty()) {
                            // Everything before was written and released, so the whole budget is free.
                            Run run = runs.get(nextToSubmit++);
                            budget.acquireUninterruptibly((int) run.cost());
                            ahead.add(submit(manifest, run));
                        }
                        Run run = runs.get(nextToWrite++);
                        List<Decoded> decoded = await(ahead.removeFirst());
                        for (int i = 0; i < decoded.size(); i++) {
                            sink.write(run.slots() == null ? i : run.slots()[i], decoded.get(i));
                        }
                        budget.release((int) run.cost());
                        progress.advance(run.plainLength());
                    }
                    channel.force(true);
                    String problem = sink.finish();
                    if (problem != null) {
                        throw CheckpointCorruptException.ofFile(manifest.containerId(), manifest.version(),
                                file.path(), problem);
                    }
                }
                Files.setPosixFilePermissions(path, ImageScanner.permissions(file.mode()));
            }
        } finally {
            for (Future<List<Decoded>> future : ahead) {
                future.cancel(false);
            }
        }
    }

    /** Where one file's fetched pieces go. */
    private interface FileSink {
        void write(int slot, Decoded decoded) throws IOException;

        /** Why the file as written does not match the manifest, or null. */
        String finish();
    }

    /** Chunks, written in order. */
    private final class ChunkSink implements FileSink {
        private final ManifestFile file;
        private final FileChannel channel;
        /** Format 1 names a file by the SHA-256 of its bytes; format 2 by the Merkle root of its chunks. */
        private final MessageDigest flat;
        private long written;

        private ChunkSink(Manifest manifest, ManifestFile file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
            this.flat = manifest.format() < 2 ? Sha256.newDigest() : null;
        }

        @Override
        public void write(int slot, Decoded decoded) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(decoded.plain());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (flat != null) {
                flat.update(decoded.plain());
            }
            written += decoded.plain().length;
        }

        @Override
        public String finish() {
            // Every chunk was checked against its name; this checks the list of them against the file's.
            String name = flat != null ? Sha256.hex(flat) : MerkleRoot.ofChunks(file.chunks());
            if (written != file.size() || !recordedHash(name, file.sha256())) {
                return "does not match its recorded size and SHA-256 once reassembled (the manifest is"
                        + " inconsistent)";
            }
            return null;
        }
    }

    /**
     * Page records, each written where its runs say (records arrive in pack order, not file order), and each page's
     * digest put in its place, so the file's Merkle root can be checked at the end.
     */
    private final class PageSink implements FileSink {
        private final ManifestFile file;
        private final FileChannel channel;
        private final PageIndex index;
        /** Per record slot, its runs ({@code runsOf[runStart[slot]..runStart[slot+1])}). */
        private final int[] runStart;
        private final int[] runsOf;
        /** Per run, the file page it starts at. */
        private final long[] filePage;
        private final byte[] digests;
        private long written;

        private PageSink(ManifestFile file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
            this.index = file.pages().orElseThrow();
            int slots = file.chunks().size();
            int runs = index.runCount();
            runStart = new int[slots + 1];
            runsOf = new int[runs];
            filePage = new long[runs];
            long page = 0;
            for (int run = 0; run < runs; run++) {
                runStart[index.record(run) + 1]++;
                filePage[run] = page;
                page += index.count(run);
            }
            for (int slot = 0; slot < slots; slot++) {
                runStart[slot + 1] += runStart[slot];
            }
            int[] fill = java.util.Arrays.copyOf(runStart, slots);
            for (int run = 0; run < runs; run++) {
                runsOf[fill[index.record(run)]++] = run;
            }
            digests = new byte[(int) (page * MerkleRoot.DIGEST_BYTES)];
        }

        @Override
        public void write(int slot, Decoded decoded) throws IOException {
            for (int i = runStart[slot]; i < runStart[slot + 1]; i++) {
                int run = runsOf[i];
                int first = index.first(run);
                int count = index.count(run);
                ByteBuffer buffer = ByteBuffer.wrap(decoded.plain(), first * Chunker.PAGE, count * Chunker.PAGE);
                long position = filePage[run] * Chunker.PAGE;
                while (buffer.hasRemaining()) {
                    position += channel.write(buffer, position);
                }
                System.arraycopy(decoded.pageDigests(), first * MerkleRoot.DIGEST_BYTES, digests,
                        (int) (filePage[run] * MerkleRoot.DIGEST_BYTES), count * MerkleRoot.DIGEST_BYTES);
                written += (long) count * Chunker.PAGE;
            }
        }

        @Override
        public String finish() {
            String root = MerkleRoot.ofPages(digests, 0, digests.length / MerkleRoot.DIGEST_BYTES);
            if (written != file.size() || !recordedHash(root, file.sha256())) {
                return "does not match its recorded size and page digests once reassembled (the manifest is"
                        + " inconsistent)";
            }
            pageDigests.put(file.path(), digests);
            return null;
        }
    }

    /**
     * Groups each file's chunks into runs that one ranged read can fetch: chunks in file order, a page image's
     * records in pack order (where they are stored, whatever version wrote them).
     */
    private List<Run> runs(List<ManifestFile> files) {
        List<Run> runs = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            ManifestFile file = files.get(f);
            List<ChunkRef> chunks = file.chunks();
            Integer[] order = new Integer[chunks.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            if (file.byPage()) {
                java.util.Arrays.sort(order, Comparator.comparing((Integer i) -> chunks.get(i).pack())
                        .thenComparingLong(i -> chunks.get(i).offset()));
            }
            List<Integer> current = new ArrayList<>();
            long stored = 0;
            long plain = 0;
            for (int i : order) {
                ChunkRef chunk = chunks.get(i);
                if (!current.isEmpty()) {
                    ChunkRef last = chunks.get(current.get(current.size() - 1));
                    boolean adjacent = last.pack().equals(chunk.pack())
                            && last.offset() + last.storedLength() == chunk.offset();
                    if (!adjacent || stored + chunk.storedLength() > maxRunBytes
                            || plain + chunk.plainLength() > maxRunBytes) {
                        runs.add(run(f, file, current, stored, plain));
                        current = new ArrayList<>();
                        stored = 0;
                        plain = 0;
                    }
                }
                current.add(i);
                stored += chunk.storedLength();
                plain += chunk.plainLength();
            }
            if (!current.isEmpty()) {
                runs.add(run(f, file, current, stored, plain));
            }
        }
        return runs;
    }

    private static Run run(int f, ManifestFile file, List<Integer> positions, long stored, long plain) {
        List<ChunkRef> chunks = positions.stream().map(file.chunks()::get).toList();
        int[] slots = file.byPage() ? positions.stream().mapToInt(Integer::intValue).toArray() : null;
        return new Run(f, chunks.get(0).pack(), chunks.get(0).offset(), (int) stored, (int) plain, chunks, slots);
    }

    private Future<List<Decoded>> submit(Manifest manifest, Run run) {
        ManifestFile file = manifest.files().get(run.file());
        return io.submit(() -> fetch(manifest, file, run));
    }

    /**
     * Whether a file's reassembled SHA-256 is what its manifest recorded: the keyed form when encrypting, or, in an
     * authenticated manifest written before encryption was on, the plain one (the MAC vouches for it).
     */
    private boolean recordedHash(String sha256, String recorded) {
        return codec.fileId(sha256).equals(recorded)
                || codec.encrypting() && manifestsAuthenticated && sha256.equals(recorded);
    }

    /**
     * Runs on the I/O pool: one ranged read, then every chunk decoded and verified; a page record's pages are
     * hashed here, in parallel, and must reproduce its name before any of them is written.
     */
    private List<Decoded> fetch(Manifest manifest, ManifestFile file, Run run) throws IOException {
        String blob = PackWriter.blobName(run.pack());
        byte[] data = new byte[run.storedLength()];
        int received = 0;
        try (InputStream in = store.get(blob, run.offset(), run.storedLength())) {
            // Never more than the manifest's length, whatever the store would send.
            for (int n; received < data.length && (n = in.read(data, received, data.length - received)) >= 0; ) {
                received += n;
            }
        } catch (NoSuchFileException e) {
            throw corrupt(manifest, file, run, 0, "is missing: pack " + blob + " does not exist (deleted with a"
                    + " version it was written by?)", e);
        } catch (EOFException e) {
            // The pack is shorter than the manifest says: the chunks before the end may still be whole.
        }
        fetched.addAndGet(received);
        List<Decoded> decoded = new ArrayList<>(run.chunks().size());
        int position = 0;
        for (int i = 0; i < run.chunks().size(); i++) {
            ChunkRef chunk = run.chunks().get(i);
            if (position + chunk.storedLength() > received) {
                throw corrupt(manifest, file, run, i, "is truncated: pack " + blob + " ends before byte "
                        + (chunk.offset() + chunk.storedLength()), null);
            }
            try {
                if (file.byPage()) {
                    byte[] plain = codec.open(data, position, chunk, manifestsAuthenticated);
                    byte[] digests = codec.namingCodec(data, position).pageDigests(plain,
                            plain.length / Chunker.PAGE);
                    if (!MerkleRoot.ofPages(digests, 0, plain.length / Chunker.PAGE).equals(chunk.sha256())) {
                        throw new ChunkCodec.ChunkDefect("is corrupt (its pages do not hash to the record's name)");
                    }
                    decoded.add(new Decoded(plain, digests));
                } else {
                    decoded.add(new Decoded(codec.plain(data, position, chunk, manifestsAuthenticated), null));
                }
            } catch (ChunkCodec.ChunkDefect defect) {
                throw corrupt(manifest, file, run, i, defect.getMessage() + " (pack " + blob + " at offset "
                        + chunk.offset() + ")", null);
            }
            position += chunk.storedLength();
        }
        return decoded;
    }

    private static CheckpointCorruptException corrupt(Manifest manifest, ManifestFile file, Run run, int i,
                                                      String problem, Throwable cause) {
        ChunkRef chunk = run.chunks().get(i);
        if (run.slots() != null) {
            long page = file.pages().orElseThrow().firstFilePage(run.slots()[i]);
            return CheckpointCorruptException.ofPage(manifest.containerId(), manifest.version(), file.path(), page,
                    chunk.sha256(), problem, cause);
        }
        return CheckpointCorruptException.ofChunk(manifest.containerId(), manifest.version(), file.path(),
                chunk.sha256(), problem, cause);
    }

    private static List<Decoded> await(Future<List<Decoded>> future) throws IOException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException("restore failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("restore interrupted");
        }
    }

    private static void syncDirectories(Path root) throws IOException {
        List<Path> directories;
        try (Stream<Path> walk = Files.walk(root)) {
            directories = walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        for (Path directory : directories) {
            sync(directory);
        }
    }

    /** fsync of a directory, so its entries survive a crash; quiet where the file system cannot. */
    private static void sync(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be synced; the data files themselves were.
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // A leftover hidden temporary directory is harmless: its name never collides with a target.
        }
    }
}
