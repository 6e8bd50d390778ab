package io.hydra.runtime.image;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import io.hydra.runtime.image.store.ImageStore;

/**
 * The blobs one pull or import created, so that an operation that fails leaves nothing behind for good: each becomes
 * a garbage candidate, never deleted at once, because another node's concurrent pull may have found it present and
 * be about to write a ref naming it ({@link ImageCollector} decides, after the grace period).
 */
final class BlobRollback {
    private static final Logger LOG = Logger.getLogger(BlobRollback.class);
    private final ImageStore store;
    private final List<String> created = new ArrayList<>();

    BlobRollback(ImageStore store) {
        this.store = store;
    }

    void created(String digest) {
        created.add(digest);
    }

    void undo(Instant now) {
        for (String digest : created) {
            try {
                store.markCandidate(digest, now);
            } catch (IOException e) {
                LOG.warnf("blob %s a failed image operation wrote is left in place, unmarked: %s", digest,
                        e.getMessage());
            }
        }
    }
}
