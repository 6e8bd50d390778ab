package io.hydra.runtime.checkpoint.repo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which chunks committed manifests already reference, and where they are: the dedup table. A chunk found here is
 * not uploaded again; the new manifest points at the existing record.
 *
 * <p>Only committed manifests count, so a new version never depends on a pack that an unfinished upload wrote and
 * may still abandon. Every reference is counted per manifest, so deleting a version forgets exactly the chunks no
 * remaining manifest uses: after that, garbage collection may delete their packs, and a later upload must store
 * them again rather than point at a pack about to vanish.
 *
 * <p>The same chunk may be stored in several places (two uploads that raced, or another process); the index keeps
 * each place with its own count and answers the first.
 */
final class ChunkIndex {
    /** One place a chunk is stored, and how many indexed manifests reference it there. */
    private static final class Place {
        final ChunkRef ref;
        int manifests;

        Place(ChunkRef ref) {
            this.ref = ref;
        }
    }

    private final Map<String, List<Place>> bySha = new HashMap<>();
    /** Per manifest blob name, its distinct chunk places: what {@link #remove} has to give back. */
    private final Map<String, List<ChunkRef>> byManifest = new HashMap<>();

    synchronized Optional<ChunkRef> find(String sha256) {
        List<Place> places = bySha.get(sha256);
        return places == null ? Optional.empty() : Optional.of(places.get(0).ref);
    }

    /** Indexes a committed manifest; adding the same manifest name twice is a no-op. */
    synchronized void add(String manifestName, Manifest manifest) {
        if (byManifest.containsKey(manifestName)) {
            return;
        }
        List<ChunkRef> distinct = new ArrayList<>();
        Map<String, List<ChunkRef>> seen = new HashMap<>();
        for (ManifestFile file : manifest.files()) {
            for (ChunkRef chunk : file.chunks()) {
                List<ChunkRef> same = seen.computeIfAbsent(chunk.sha256(), s -> new ArrayList<>(1));
                if (same.stream().noneMatch(chunk::sameLocation)) {
                    same.add(chunk);
                    distinct.add(chunk);
                }
            }
        }
        for (ChunkRef chunk : distinct) {
            List<Place> places = bySha.computeIfAbsent(chunk.sha256(), s -> new ArrayList<>(1));
            Place place = places.stream().filter(p -> p.ref.sameLocation(chunk)).findFirst().orElse(null);
            if (place == null) {
                place = new Place(chunk);
                places.add(place);
            }
            place.manifests++;
        }
        byManifest.put(manifestName, distinct);
    }

    /** Forgets a deleted manifest; unknown names are ignored. */
    synchronized void remove(String manifestName) {
        List<ChunkRef> distinct = byManifest.remove(manifestName);
        if (distinct == null) {
            return;
        }
        for (ChunkRef chunk : distinct) {
            List<Place> places = bySha.get(chunk.sha256());
            if (places == null) {
                continue;
            }
            for (int i = 0; i < places.size(); i++) {
                Place place = places.get(i);
                if (place.ref.sameLocation(chunk)) {
                    if (--place.manifests == 0) {
                        places.remove(i);
                    }
                    break;
                }
            }
            if (places.isEmpty()) {
                bySha.remove(chunk.sha256());
            }
        }
    }

    /** Replaces everything with exactly these manifests (garbage collection has just read them all). */
    synchronized void replaceAll(Map<String, Manifest> manifests) {
        bySha.clear();
        byManifest.clear();
        manifests.forEach(this::add);
    }

    /** Forgets every place in these packs, e.g. a pack found missing; manifests stay indexed. */
    synchronized void forgetPacks(Set<String> packs) {
        bySha.values().forEach(places -> places.removeIf(place -> packs.contains(place.ref.pack())));
        bySha.values().removeIf(List::isEmpty);
    }
}
