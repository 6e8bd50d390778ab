package io.hydra.runtime.image;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import io.hydra.runtime.image.store.ImageStore;
import io.hydra.runtime.image.store.RefRecord;

/**
 * The second phase of image garbage collection, shared by every node of a store: a garbage candidate is deleted once
 * it has been one for the grace period and no ref record and no pin (from any node) names it at the time of the
 * sweep. The grace period is what lets another node's pull that found the blob present, and skipped it, write its
 * ref first; a pull also takes back the candidates it relies on and checks its blobs after writing its ref.
 */
final class ImageCollector {
    private static final Logger LOG = Logger.getLogger(ImageCollector.class);

    private final ImageStore store;
    private final Duration grace;
    private final Clock clock;

    ImageCollector(ImageStore store, Duration grace, Clock clock) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("the image garbage grace period must not be negative, not " + grace);
        }
        this.store = store;
        this.grace = grace;
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    /** @return the blobs deleted */
    int sweep() throws IOException {
        Map<String, Instant> candidates = store.candidates();
        Instant due = clock.instant().minus(grace);
        if (candidates.values().stream().noneMatch(at -> !at.isAfter(due))) {
            return 0;
        }
        Named named = named();
        if (named == null) {
            return 0;
        }
        int deleted = 0;
        for (Map.Entry<String, Instant> c : candidates.entrySet()) {
            String digest = c.getKey();
            if (named.refs().contains(digest)) {
                store.unmarkCandidate(digest);
            } else if (named.pins().contains(digest)) {
                // stays a candidate: once unpinned, the next sweep deletes it
                continue;
            } else if (!c.getValue().isAfter(due) && store.isCandidate(digest)) {
                // the mark is read again last: a pull that took the blob back meanwhile removed it
                store.deleteBlob(digest);
                store.unmarkCandidate(digest);
                deleted++;
            }
        }
        return deleted;
    }

    private record Named(Set<String> refs, Set<String> pins) {
    }

    /** The blobs refs name and those pins name; null when one cannot be read (nothing is then deleted). */
    private Named named() throws IOException {
        Set<String> byRefs = new HashSet<>();
        for (RefRecord r : store.refs()) {
            if (!addBlobsOf(r.manifestDigest(), "image " + r.ref(), byRefs)) {
                return null;
            }
        }
        Set<String> byPins = new HashSet<>();
        for (String pinned : store.pinnedManifests()) {
            byPins.add(pinned);
            if (store.hasBlob(pinned) && !addBlobsOf(pinned, "pinned image " + pinned, byPins)) {
                return null;
            }
        }
        return new Named(byRefs, byPins);
    }

    private boolean addBlobsOf(String manifestDigest, String what, Set<String> keep) {
        try {
            keep.addAll(store.blobsOf(manifestDigest));
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("image garbage collection deletes nothing: %s is unreadable (%s)", what, e.getMessage());
            return false;
        }
    }
}
