package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/**
 * A repository in a JVM of its own, for {@link RepositoryKillTest}: it announces on stdout when it reaches the
 * step named by its first argument, then waits there to be SIGKILLed.
 * <ul>
 *   <li>{@code commit STORE INDEX IMAGE}: a checkpoint whose manifest put is under way</li>
 *   <li>{@code gc STORE INDEX}: a garbage collection that has deleted one pack</li>
 * </ul>
 */
public final class RepositoryChild {
    private RepositoryChild() {
    }

    public static void main(String[] args) throws Exception {
        String step = args[0];
        BlobStore store = new ForwardingBlobStore(new FsBlobStore(Path.of(args[1]))) {
            @Override
            public boolean put(String blobName, InputStream content, long length, boolean ifAbsent)
                    throws IOException {
                if (step.equals("commit") && blobName.startsWith("manifests/")) {
                    // Half the manifest is written where the store would put it, then the process dies.
                    announceAndWait("AT commit " + blobName);
                }
                return delegate.put(blobName, content, length, ifAbsent);
            }

            @Override
            public void delete(String blobName) throws IOException {
                delegate.delete(blobName);
                if (step.equals("gc") && blobName.startsWith("packs/")) {
                    announceAndWait("AT gc " + blobName);
                }
            }
        };
        RepositorySettings settings = RepositorySettings.defaults().withGcGrace(Duration.ZERO);
        try (CheckpointRepository repository = new CheckpointRepository(store, settings, Path.of(args[2]))) {
            if (step.equals("commit")) {
                repository.checkpoint("web", "web", Path.of(args[3]), Map.of(), ProgressListener.NONE);
            } else {
                repository.collectGarbage();
                repository.collectGarbage();
            }
        }
        System.out.println("DONE");
    }

    private static void announceAndWait(String line) {
        System.out.println(line);
        System.out.flush();
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
