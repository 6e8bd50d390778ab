package io.hydra.runtime.container;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.hydra.runtime.image.ImageSource;
import io.hydra.runtime.image.StoredImage;
import io.hydra.runtime.image.layer.LayerCache;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.StateStore;

/**
 * Removes the cached layers that nothing on this node holds any more: no container of it (in whatever status,
 * those being created included) and no image in the store uses them. Run after a container's root or an image
 * goes, in the background; when the store cannot say which images exist, nothing is removed.
 */
public final class UnusedLayers {
    private static final Logger LOG = Logger.getLogger(UnusedLayers.class);

    private final StateStore store;
    private final ImageSource images;
    private final Supplier<List<StoredImage>> storedImages;
    private final LayerCache cache;
    private final Executor background;
    /** One pass queued at a time: a burst of removals needs only the last one. */
    private final AtomicBoolean queued = new AtomicBoolean();

    public UnusedLayers(StateStore store, ImageSource images, Supplier<List<StoredImage>> storedImages,
                        LayerCache cache, Executor background) {
        this.store = store;
        this.images = images;
        this.storedImages = storedImages;
        this.cache = cache;
        this.background = background;
    }

    /** Queues a pass on the background executor. */
    public void collectSoon() {
        if (queued.compareAndSet(false, true)) {
            background.execute(() -> {
                queued.set(false);
                collect();
            });
        }
    }

    /** One pass; returns the diffIds removed (none when what is in use cannot be known). */
    public synchronized Set<String> collect() {
        List<StoredImage> inUse;
        try {
            inUse = new ArrayList<>(storedImages.get());
            for (ContainerRecord r : store.all()) {
                if (r.options().fromImage()) {
                    inUse.add(images.byManifestDigest(r.options().imageDigest()));
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("unused layers are kept: which images are in use cannot be told (%s)", e.getMessage());
            return Set.of();
        }
        try {
            Set<String> removed = cache.gc(LayerCache.diffIdsOf(inUse));
            if (!removed.isEmpty()) {
                LOG.infof("removed %d unused layers from the layer cache: %s", removed.size(), removed);
            }
            return removed;
        } catch (RuntimeException e) {
            LOG.warnf("layer garbage collection failed: %s", e.getMessage());
            return Set.of();
        }
    }
}
