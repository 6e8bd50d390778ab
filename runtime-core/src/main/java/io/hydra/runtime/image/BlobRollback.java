package io.hydra.runtime.image;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;

import io.hydra.runtime.image.store.ImageStore;
import io.hydra.runtime.image.store.RefRecord;

/**
 * The blobs one pull or import created, so that an operation that fails leaves the store as it found it: each is
 * deleted unless an existing ref's image uses it.
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

    void undo() {
        if (created.isEmpty()) {
            return;
        }
        Set<String> kept = new HashSet<>();
        for (RefRecord r : store.refs()) {
            try {
                kept.addAll(store.blobsOf(r.manifestDigest()));
            } catch (RuntimeException e) {
                LOG.warnf("rollback keeps every blob it wrote: image %s is unreadable (%s)", r.ref(), e.getMessage());
                return;
            }
        }
        for (String digest : created) {
            if (!kept.contains(digest)) {
                try {
                    store.deleteBlob(digest);
                } catch (IOException e) {
                    LOG.warnf("could not delete blob %s after a failed image operation: %s", digest, e.getMessage());
                }
            }
        }
    }
}
