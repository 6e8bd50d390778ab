package io.hydra.runtime.checkpoint.repo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jboss.logging.Logger;

/**
 * The pages of the parent version, by digest: where each lives (a page record and the page inside it), so a
 * checkpoint stores only the pages whose content the parent does not already hold, and refers to the rest.
 *
 * <p>Built from the node's {@link PageDigestCache} and the parent's verified manifest, and only from digests the
 * manifest vouches for: a page image's name is the {@link MerkleRoot} of its page digests, so cached digests that
 * reproduce the name are the parent's pages (short of a SHA-256 collision); an image whose cached digests do not is
 * left out, and its pages are stored again.
 */
final class ParentPages {
    private static final Logger LOG = Logger.getLogger(ParentPages.class);
    static final ParentPages NONE = new ParentPages(0, new PageDigestTable(0), List.of(), new int[0], new int[0]);

    private final long version;
    private final PageDigestTable table;
    private final List<ChunkRef> records;
    private final int[] recordOf;
    private final int[] pageOf;

    private ParentPages(long version, PageDigestTable table, List<ChunkRef> records, int[] recordOf, int[] pageOf) {
        this.version = version;
        this.table = table;
        this.records = records;
        this.recordOf = recordOf;
        this.pageOf = pageOf;
    }

    /** The parent's pages that {@code cached} holds digests for and its manifest confirms. */
    static ParentPages of(Manifest parent, PageDigestCache.Entry cached, ChunkCodec codec) {
        if (parent.version() != cached.version() || parent.format() < 2) {
            return NONE;
        }
        long total = 0;
        List<ManifestFile> usable = new ArrayList<>();
        for (ManifestFile file : parent.files()) {
            byte[] digests = cached.digests().get(file.path());
            if (!file.byPage() || digests == null) {
                continue;
            }
            long pages = file.size() / Chunker.PAGE;
            if (digests.length != pages * MerkleRoot.DIGEST_BYTES
                    || !codec.fileId(MerkleRoot.ofPages(digests, 0, (int) pages)).equals(file.sha256())) {
                LOG.warnf("the cached page digests of %s version %d file %s do not match its manifest; its pages are"
                        + " stored again", parent.containerId(), parent.version(), file.path());
                continue;
            }
            usable.add(file);
            total += pages;
        }
        if (total == 0 || total > Integer.MAX_VALUE / 2) {
            return NONE;
        }
        PageDigestTable table = new PageDigestTable((int) total);
        List<ChunkRef> records = new ArrayList<>();
        int[] recordOf = new int[(int) total];
        int[] pageOf = new int[(int) total];
        int location = 0;
        for (ManifestFile file : usable) {
            byte[] digests = cached.digests().get(file.path());
            int base = records.size();
            records.addAll(file.chunks());
            PageIndex index = file.pages().orElseThrow();
            int filePage = 0;
            for (int run = 0; run < index.runCount(); run++) {
                for (int k = 0; k < index.count(run); k++, filePage++) {
                    recordOf[location] = base + index.record(run);
                    pageOf[location] = index.first(run) + k;
                    table.putIfAbsent(digests, filePage * MerkleRoot.DIGEST_BYTES, location);
                    location++;
                }
            }
        }
        return new ParentPages(parent.version(), table, List.copyOf(records), Arrays.copyOf(recordOf, location),
                Arrays.copyOf(pageOf, location));
    }

    long version() {
        return version;
    }

    boolean isEmpty() {
        return table.size() == 0;
    }

    /** A location of the page with the digest at {@code digests[offset..offset+32)}, or -1. */
    int find(byte[] digests, int offset) {
        return table.size() == 0 ? -1 : table.find(digests, offset);
    }

    ChunkRef record(int location) {
        return records.get(recordOf[location]);
    }

    int page(int location) {
        return pageOf[location];
    }
}
