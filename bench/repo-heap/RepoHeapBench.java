import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import io.hydra.runtime.checkpoint.repo.CheckpointRepository;
import io.hydra.runtime.checkpoint.repo.CheckpointVersion;
import io.hydra.runtime.checkpoint.repo.ProgressListener;
import io.hydra.runtime.checkpoint.repo.RepositorySettings;
import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/**
 * The daemon-side heap of the checkpoint repository as the store grows: populate a store with synthetic versions,
 * then, in a fresh JVM (a daemon restarting on that store), open the repository, commit one more version (which loads
 * the dedup index), list every container's versions, run garbage collection, and report the live heap after a full
 * GC. Uses only the repository API that both the old and the new design have, so the same source runs against
 * either build (bench/repo-heap.sh).
 *
 * <pre>
 *   java -cp CP RepoHeapBench.java populate STORE VERSIONS CONTAINERS IMAGE_MIB NEW_KIB
 *   java -cp CP RepoHeapBench.java measure STORE CONTAINERS IMAGE_MIB NEW_KIB
 * </pre>
 */
public class RepoHeapBench {
    public static void main(String[] args) throws Exception {
        Path store = Path.of(args[1]);
        if (args[0].equals("populate")) {
            populate(store, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
        } else {
            measure(store, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        }
    }

    /** Every version: IMAGE_MIB of pages shared by all versions (deduplicated) plus NEW_KIB of its own. */
    static void populate(Path storeDir, int versions, int containers, int imageMib, int newKib) throws Exception {
        Path image = Files.createTempDirectory("repo-heap-image");
        writeShared(image, imageMib);
        long started = System.nanoTime();
        try (BlobStore store = new FsBlobStore(storeDir);
             CheckpointRepository repository = new CheckpointRepository(store, RepositorySettings.defaults())) {
            for (int v = 0; v < versions; v++) {
                int c = v % containers;
                writeOwn(image, imageMib, newKib, v);
                repository.checkpoint("c" + c, "name" + c, image, Map.of("bench", "repo-heap"), ProgressListener.NONE);
                if ((v + 1) % 100 == 0) {
                    System.err.printf("populated %d versions in %.1f s%n", v + 1, (System.nanoTime() - started) / 1e9);
                }
            }
        }
    }

    static void measure(Path storeDir, int containers, int imageMib, int newKib) throws Exception {
        Path image = Files.createTempDirectory("repo-heap-image");
        writeShared(image, imageMib);
        writeOwn(image, imageMib, newKib, 1_000_000 + (int) (System.nanoTime() & 0xffff));
        long before = liveHeap();
        Counting counting = new Counting(new FsBlobStore(storeDir));
        long t0 = System.nanoTime();
        try (CheckpointRepository repository = open(counting)) {
            repository.checkpoint("c0", "name0", image, Map.of("bench", "repo-heap"), ProgressListener.NONE);
            long afterCheckpoint = liveHeap();
            long checkpointGets = counting.gets.get();
            double checkpointSeconds = (System.nanoTime() - t0) / 1e9;
            int listed = 0;
            for (int c = 0; c < containers; c++) {
                List<CheckpointVersion> all = repository.versions("c" + c);
                listed += all.size();
                Optional<CheckpointVersion> latest = repository.latest("c" + c);
                if (latest.isEmpty()) {
                    throw new IllegalStateException("container c" + c + " has no complete version");
                }
            }
            // Restore by name on a node that never ran the container: the new design asks the name markers, the old
            // one (CheckpointService.containerIdFor) read every version of every container in the store.
            counting.gets.set(0);
            long tName = System.nanoTime();
            String found = nameLookup(repository, counting, "name" + (containers - 1));
            double nameSeconds = (System.nanoTime() - tName) / 1e9;
            long nameGets = counting.gets.get();
            if (!found.equals("c" + (containers - 1))) {
                throw new IllegalStateException("name lookup found " + found);
            }
            // Once more: a store written before name markers existed has them now (the new design writes them back).
            counting.gets.set(0);
            nameLookup(repository, counting, "name" + (containers - 1));
            long secondNameGets = counting.gets.get();
            long t1 = System.nanoTime();
            repository.collectGarbage();
            double gcSeconds = (System.nanoTime() - t1) / 1e9;
            long afterGc = liveHeap();
            long peakOld = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getName().contains("Tenured")) {
                    peakOld = pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf("versions_listed=%d live_heap_before_mib=%.1f live_after_first_checkpoint_mib=%.1f"
                            + " live_after_gc_mib=%.1f peak_tenured_mib=%.1f first_checkpoint_s=%.2f"
                            + " first_checkpoint_gets=%d gc_s=%.2f name_lookup_s=%.3f name_lookup_gets=%d"
                            + " second_name_lookup_gets=%d%n",
                    listed, mib(before), mib(afterCheckpoint), mib(afterGc), mib(peakOld), checkpointSeconds,
                    checkpointGets, gcSeconds, nameSeconds, nameGets, secondNameGets);
        }
    }

    /** With -DindexFile=F and the new design, the index lives in F (a daemon's root), so a rerun is a restart. */
    static CheckpointRepository open(BlobStore store) throws Exception {
        String indexFile = System.getProperty("indexFile");
        if (indexFile != null) {
            try {
                return CheckpointRepository.class.getConstructor(BlobStore.class, RepositorySettings.class, Path.class)
                        .newInstance(store, RepositorySettings.defaults(), Path.of(indexFile));
            } catch (NoSuchMethodException oldDesign) {
                // The old design keeps its index on the heap only.
            }
        }
        return new CheckpointRepository(store, RepositorySettings.defaults());
    }

    static String nameLookup(CheckpointRepository repository, BlobStore store, String name) throws Exception {
        try {
            java.lang.reflect.Method byName = CheckpointRepository.class.getMethod("containerIdForName", String.class);
            return ((Optional<?>) byName.invoke(repository, name)).orElseThrow().toString();
        } catch (NoSuchMethodException oldDesign) {
            List<String> ids = new java.util.ArrayList<>();
            for (BlobInfo blob : store.list("manifests/")) {
                String[] parts = blob.name().split("/");
                if (parts.length >= 3 && !ids.contains(parts[1])) {
                    ids.add(parts[1]);
                }
            }
            String found = null;
            java.time.Instant newest = java.time.Instant.MIN;
            for (String id : ids) {
                for (CheckpointVersion v : repository.versions(id)) {
                    if (v.containerName().equals(name) && v.createdAt().isAfter(newest)) {
                        found = id;
                        newest = v.createdAt();
                    }
                }
            }
            return found;
        }
    }

    static void writeShared(Path image, int imageMib) throws IOException {
        byte[] block = new byte[1024 * 1024];
        Random random = new Random(1);
        try (var out = Files.newOutputStream(image.resolve("pages-1.img"))) {
            for (int i = 0; i < imageMib; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        Files.writeString(image.resolve("inventory.img"), "synthetic\n");
    }

    /** Replaces the file's tail with bytes of this version only. */
    static void writeOwn(Path image, int imageMib, int newKib, int version) throws IOException {
        byte[] own = new byte[newKib * 1024];
        new Random(1000L + version).nextBytes(own);
        try (RandomAccessFile file = new RandomAccessFile(image.resolve("pages-1.img").toFile(), "rw")) {
            file.setLength((long) imageMib * 1024 * 1024);
            file.seek((long) imageMib * 1024 * 1024);
            file.write(own);
        }
    }

    static long liveHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50); // let reference processing finish between full collections
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** Counts whole and ranged reads. */
    static final class Counting implements BlobStore {
        final BlobStore delegate;
        final AtomicLong gets = new AtomicLong();

        Counting(BlobStore delegate) {
            this.delegate = delegate;
        }

        public String name() {
            return delegate.name();
        }

        public boolean put(String name, InputStream content, long length, boolean ifAbsent) throws IOException {
            return delegate.put(name, content, length, ifAbsent);
        }

        public InputStream get(String name) throws IOException {
            gets.incrementAndGet();
            return delegate.get(name);
        }

        public InputStream get(String name, long offset, long length) throws IOException {
            gets.incrementAndGet();
            return delegate.get(name, offset, length);
        }

        public Optional<BlobInfo> stat(String name) throws IOException {
            return delegate.stat(name);
        }

        public List<BlobInfo> list(String prefix) throws IOException {
            return delegate.list(prefix);
        }

        public void delete(String name) throws IOException {
            delegate.delete(name);
        }

        public void close() throws IOException {
            delegate.close();
        }
    }
}
