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
import java.util.List;
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
 * SHA-256 as soon as it arrives. The calling thread writes the chunks in file order, so it can hash every whole file
 * as it goes. Files go into a fresh temporary directory next to the target (created 0700: it holds a process's
 * memory); only when every file has been written, verified and synced is that directory renamed to the target. On
 * any failure the temporary directory is deleted, so the target either holds a verified image or does not exist.
 */
final class CheckpointRestore {
    private static final int MAX_RUN_BYTES = 4 * 1024 * 1024;

    /** Consecutive chunks of one file stored back to back in one pack. */
    private record Run(int file, String pack, long offset, int storedLength, int plainLength, List<ChunkRef> chunks) {
        long cost() {
            return (long) storedLength + plainLength;
        }
    }

    private final BlobStore store;
    private final ExecutorService io;
    private final Semaphore budget;
    private final int maxRunBytes;
    private final AtomicLong fetched = new AtomicLong();
    private final ChunkCodec codec;
    /** With a MAC key every manifest read has a verified MAC (see {@link ChunkCodec#plain}). */
    private final boolean manifestsAuthenticated;

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

    private void writeFiles(Manifest manifest, Path temp, ProgressTracker progress) throws IOException {
        List<Run> runs = runs(manifest.files());
        Deque<Future<List<byte[]>>> ahead = new ArrayDeque<>();
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
                MessageDigest digest = Sha256.newDigest();
                long written = 0;
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
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
                        List<byte[]> plains = await(ahead.removeFirst());
                        for (byte[] plain : plains) {
                            ByteBuffer buffer = ByteBuffer.wrap(plain);
                            while (buffer.hasRemaining()) {
                                channel.write(buffer);
                            }
                            digest.update(plain);
                            written += plain.length;
                        }
                        budget.release((int) run.cost());
                        progress.advance(run.plainLength());
                    }
                    channel.force(true);
                }
                if (written != file.size() || !recordedHash(Sha256.hex(digest), file.sha256())) {
                    throw CheckpointCorruptException.ofFile(manifest.containerId(), manifest.version(), file.path(),
                            "does not match its recorded size and SHA-256 once reassembled (the manifest is"
                                    + " inconsistent)");
                }
                Files.setPosixFilePermissions(path, ImageScanner.permissions(file.mode()));
            }
        } finally {
            for (Future<List<byte[]>> future : ahead) {
                future.cancel(false);
            }
        }
    }

    /** Groups each file's chunks into runs that one ranged read can fetch. */
    private List<Run> runs(List<ManifestFile> files) {
        List<Run> runs = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            List<ChunkRef> current = new ArrayList<>();
            long stored = 0;
            long plain = 0;
            for (ChunkRef chunk : files.get(f).chunks()) {
                if (!current.isEmpty()) {
                    ChunkRef last = current.get(current.size() - 1);
                    boolean adjacent = last.pack().equals(chunk.pack())
                            && last.offset() + last.storedLength() == chunk.offset();
                    if (!adjacent || stored + chunk.storedLength() > maxRunBytes
                            || plain + chunk.plainLength() > maxRunBytes) {
                        runs.add(run(f, current, stored, plain));
                        current = new ArrayList<>();
                        stored = 0;
                        plain = 0;
                    }
                }
                current.add(chunk);
                stored += chunk.storedLength();
                plain += chunk.plainLength();
            }
            if (!current.isEmpty()) {
                runs.add(run(f, current, stored, plain));
            }
        }
        return runs;
    }

    private static Run run(int file, List<ChunkRef> chunks, long stored, long plain) {
        return new Run(file, chunks.get(0).pack(), chunks.get(0).offset(), (int) stored, (int) plain,
                List.copyOf(chunks));
    }

    private Future<List<byte[]>> submit(Manifest manifest, Run run) {
        String path = manifest.files().get(run.file()).path();
        return io.submit(() -> fetch(manifest, path, run));
    }

    /**
     * Whether a file's reassembled SHA-256 is what its manifest recorded: the keyed form when encrypting, or, in an
     * authenticated manifest written before encryption was on, the plain one (the MAC vouches for it).
     */
    private boolean recordedHash(String sha256, String recorded) {
        return codec.fileId(sha256).equals(recorded)
                || codec.encrypting() && manifestsAuthenticated && sha256.equals(recorded);
    }

    /** Runs on the I/O pool: one ranged read, then every chunk decoded and verified. */
    private List<byte[]> fetch(Manifest manifest, String path, Run run) throws IOException {
        String blob = PackWriter.blobName(run.pack());
        byte[] data = new byte[run.storedLength()];
        int received = 0;
        try (InputStream in = store.get(blob, run.offset(), run.storedLength())) {
            // Never more than the manifest's length, whatever the store would send.
            for (int n; received < data.length && (n = in.read(data, received, data.length - received)) >= 0; ) {
                received += n;
            }
        } catch (NoSuchFileException e) {
            throw corrupt(manifest, path, run.chunks().get(0), "is missing: pack " + blob + " does not exist", e);
        } catch (EOFException e) {
            // The pack is shorter than the manifest says: the chunks before the end may still be whole.
        }
        fetched.addAndGet(received);
        List<byte[]> plains = new ArrayList<>(run.chunks().size());
        int position = 0;
        for (ChunkRef chunk : run.chunks()) {
            if (position + chunk.storedLength() > received) {
                throw corrupt(manifest, path, chunk, "is truncated: pack " + blob + " ends before byte "
                        + (chunk.offset() + chunk.storedLength()), null);
            }
            try {
                plains.add(codec.plain(data, position, chunk, manifestsAuthenticated));
            } catch (ChunkCodec.ChunkDefect defect) {
                throw corrupt(manifest, path, chunk, defect.getMessage() + " (pack " + blob + " at offset "
                        + chunk.offset() + ")", null);
            }
            position += chunk.storedLength();
        }
        return plains;
    }

    private static CheckpointCorruptException corrupt(Manifest manifest, String path, ChunkRef chunk, String problem,
                                                      Throwable cause) {
        return CheckpointCorruptException.ofChunk(manifest.containerId(), manifest.version(), path, chunk.sha256(),
                problem, cause);
    }

    private static List<byte[]> await(Future<List<byte[]>> future) throws IOException {
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
