package io.hydra.runtime.image.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.Digests;
import io.hydra.runtime.image.ImageRef;
import io.hydra.runtime.image.ImageSource;
import io.hydra.runtime.image.LayerDescriptor;
import io.hydra.runtime.image.ManifestParser;
import io.hydra.runtime.image.ParsedManifest;
import io.hydra.runtime.image.StoredImage;
import io.hydra.runtime.image.VerifyingInputStream;
import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobNames;
import io.hydra.spi.storage.BlobStore;

/**
 * Images in the blob store, shared by every node using it: content blobs by digest under
 * {@code images/blobs/sha256/<hex>} (manifests, configs, layers, each verified as it is written and as it is read
 * back), and one signed ref record per normalized reference under {@code images/refs/<sha256 of the ref>} naming its
 * manifest digest. A ref is written last, so a reader never finds a ref whose blobs are not all there.
 *
 * <p>Blobs are shared by every node, so no node deletes one on its own knowledge. Pins
 * ({@code images/pins/<manifest hex>/<owner>}) say an image is in use by a container or a checkpoint on some node;
 * garbage candidates ({@code images/gc/<blob hex>}, holding the time a blob first became one) are what a removed ref
 * or a rolled-back pull left, deleted by {@link io.hydra.runtime.image.ImageService} only after a grace period and
 * only when no ref and no pin still names them.
 */
public final class ImageStore implements ImageSource {
    private static final Logger LOG = Logger.getLogger(ImageStore.class);
    static final String BLOBS = "images/blobs/sha256/";
    static final String REFS = "images/refs/";
    static final String PINS = "images/pins/";
    static final String CANDIDATES = "images/gc/";
    private static final int MAX_MARK_BYTES = 64;

    private final BlobStore store;
    private final RefCodec codec;

    /** @param macKey the repository's manifest MAC key; empty when the store runs unsigned */
    public ImageStore(BlobStore store, Optional<byte[]> macKey) {
        this.store = store;
        this.codec = new RefCodec(macKey);
    }

    static String blobName(String digest) {
        return BLOBS + Digests.hex(Digests.check(digest, "blob"));
    }

    static String refName(String ref) {
        return REFS + Digests.hex(Digests.of(ref.getBytes(StandardCharsets.UTF_8)));
    }

    public boolean hasBlob(String digest) {
        try {
            return store.stat(blobName(digest)).isPresent();
        } catch (IOException e) {
            throw storageFailure("checking blob " + digest, e);
        }
    }

    /**
     * Stores a blob, verified by digest and size while it streams: a mismatch or a truncation fails the put, and
     * the store's atomic put leaves nothing.
     *
     * @return true when this call created it, false when it was already there
     */
    public boolean putBlob(String digest, long size, InputStream content, String what) throws IOException {
        try (InputStream verified = new VerifyingInputStream(content, digest, size, what)) {
            return store.put(blobName(digest), verified, size, true);
        }
    }

    /** A small blob (manifest, config) read whole and verified. */
    public byte[] readBlob(String digest, String what) {
        try (InputStream in = store.get(blobName(digest))) {
            byte[] bytes = in.readNBytes(ManifestParser.MAX_DOCUMENT_BYTES + 1);
            if (bytes.length > ManifestParser.MAX_DOCUMENT_BYTES) {
                throw HydraException.failed(what + " " + digest + " in the " + store.name() + " store is larger than "
                        + ManifestParser.MAX_DOCUMENT_BYTES + " bytes: it is corrupt");
            }
            String actual = Digests.of(bytes);
            if (!actual.equals(digest)) {
                throw HydraException.failed(what + " " + digest + " in the " + store.name() + " store is corrupt: its"
                        + " content hashes to " + actual);
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw HydraException.notFound(what + " " + digest + " is not in the " + store.name() + " store");
        } catch (IOException e) {
            throw storageFailure("reading " + what + " " + digest, e);
        }
    }

    /**
     * Opens a layer blob for the layer cache. The stream is the stored bytes as they are, NOT verified: the caller
     * must check them against {@link LayerDescriptor#digest()} (and the uncompressed tar against {@code diffId}) while
     * reading, e.g. through {@link VerifyingInputStream}, and discard what it unpacked on a mismatch.
     */
    public InputStream openLayer(LayerDescriptor layer) throws IOException {
        return store.get(blobName(layer.digest()));
    }

    public void deleteBlob(String digest) throws IOException {
        store.delete(blobName(digest));
    }

    /** Every blob digest the store holds for images. */
    public List<String> blobDigests() throws IOException {
        List<String> out = new ArrayList<>();
        for (BlobInfo info : store.list(BLOBS)) {
            out.add("sha256:" + info.name().substring(BLOBS.length()));
        }
        return out;
    }

    public void putRef(String ref, String manifestDigest, Instant createdAt) throws IOException {
        byte[] body = codec.encode(ref, manifestDigest, createdAt);
        store.put(refName(ref), new ByteArrayInputStream(body), body.length, false);
    }

    public void deleteRef(String ref) throws IOException {
        store.delete(refName(ref));
    }

    /** The record for this normalized reference, if any; one that fails its MAC or belongs to another ref is refused. */
    public Optional<RefRecord> ref(String ref) {
        String name = refName(ref);
        try (InputStream in = store.get(name)) {
            RefRecord r = codec.decode(in.readNBytes(RefCodec.MAX_RECORD_BYTES + 1), name);
            if (!r.ref().equals(ref)) {
                throw HydraException.failed("image ref record " + name + " in the " + store.name() + " store names "
                        + r.ref() + ", not " + ref + ": the store was tampered with");
            }
            if (!r.authentic()) {
                throw HydraException.failed("image ref record for " + ref + " in the " + store.name() + " store is"
                        + " unsigned or its MAC does not verify with this daemon's key (hydra.checkpoint.key): refused");
            }
            return Optional.of(r);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw storageFailure("reading the image ref record for " + ref, e);
        }
    }

    /** Every authentic ref record; others are logged and left out. */
    public List<RefRecord> refs() {
        List<RefRecord> out = new ArrayList<>();
        try {
            for (BlobInfo info : store.list(REFS)) {
                try (InputStream in = store.get(info.name())) {
                    RefRecord r = codec.decode(in.readNBytes(RefCodec.MAX_RECORD_BYTES + 1), info.name());
                    if (!r.authentic() || !refName(r.ref()).equals(info.name())) {
                        LOG.warnf("image ref record %s in the %s store fails its MAC or is misplaced: ignored",
                                info.name(), store.name());
                        continue;
                    }
                    out.add(r);
                } catch (NoSuchFileException vanished) {
                    // removed between the listing and the read
                } catch (IOException e) {
                    LOG.warnf("image ref record %s is unreadable: %s", info.name(), e.getMessage());
                }
            }
        } catch (IOException e) {
            throw storageFailure("listing image refs", e);
        }
        return out;
    }

    /** The image a manifest digest names, manifest and config read back and verified. */
    public StoredImage image(String ref, String manifestDigest, Instant recordedAt) {
        String what = ref != null ? "image " + ref + ": manifest" : "image manifest";
        byte[] manifestJson = readBlob(manifestDigest, what);
        ParsedManifest parsed = ManifestParser.parse(manifestJson, null, what + " " + manifestDigest);
        if (!(parsed instanceof ParsedManifest.Image image)) {
            throw HydraException.failed(what + " " + manifestDigest + " is an index, not an image manifest");
        }
        String label = ref != null ? ref : manifestDigest;
        byte[] configJson = readBlob(image.config().digest(), "image " + label + ": config");
        ManifestParser.Config config = ManifestParser.config(configJson, "image " + label);
        if (config.diffIds().size() != image.layers().size()) {
            throw HydraException.failed("image " + label + ": its config lists " + config.diffIds().size()
                    + " diff_ids for " + image.layers().size() + " layers");
        }
        List<LayerDescriptor> layers = new ArrayList<>();
        long size = image.config().size();
        for (int i = 0; i < image.layers().size(); i++) {
            ParsedManifest.Descriptor d = image.layers().get(i);
            layers.add(new LayerDescriptor(d.digest(), d.mediaType(), d.size(), config.diffIds().get(i)));
            size += d.size();
        }
        return new StoredImage(ref, manifestDigest, image.config().digest(), config.config(), layers, size,
                config.created().orElse(recordedAt));
    }

    /** Every blob digest an image manifest refers to, itself included. */
    public List<String> blobsOf(String manifestDigest) {
        byte[] manifestJson = readBlob(manifestDigest, "image manifest");
        ParsedManifest parsed = ManifestParser.parse(manifestJson, null, "image manifest " + manifestDigest);
        List<String> out = new ArrayList<>();
        out.add(manifestDigest);
        if (parsed instanceof ParsedManifest.Image image) {
            out.add(image.config().digest());
            image.layers().forEach(l -> out.add(l.digest()));
        }
        return out;
    }

    @Override
    public StoredImage resolve(String text) {
        ImageRef ref = ImageRef.parse(text);
        Optional<RefRecord> record = ref(ref.toString());
        if (record.isPresent()) {
            return image(ref.toString(), record.get().manifestDigest(), record.get().createdAt());
        }
        if (ref.digest() != null && hasBlob(ref.digest())) {
            return image(ref.toString(), ref.digest(), Instant.now());
        }
        throw HydraException.notFound("image " + ref + " is not here: pull it with `hydra pull " + text
                + "` or import it with `hydra image import FILE|DIR`");
    }

    @Override
    public StoredImage byManifestDigest(String manifestDigest) {
        Digests.check(manifestDigest, "image manifest");
        return image(null, manifestDigest, Instant.EPOCH);
    }

    /**
     * Records that {@code owner} uses the image (conditional create: a pin written twice stays as first written).
     *
     * @return true when this call created the pin
     */
    public boolean pin(String manifestDigest, String owner) {
        String name = pinName(manifestDigest, owner);
        byte[] body = (owner + " " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            return store.put(name, new ByteArrayInputStream(body), body.length, true);
        } catch (IOException e) {
            throw storageFailure("pinning image " + manifestDigest + " for " + owner, e);
        }
    }

    public void unpin(String manifestDigest, String owner) {
        try {
            store.delete(pinName(manifestDigest, owner));
        } catch (IOException e) {
            throw storageFailure("unpinning image " + manifestDigest + " for " + owner, e);
        }
    }

    /** The owners pinning this image, from every node, sorted. */
    public List<String> pinOwners(String manifestDigest) {
        String prefix = PINS + Digests.hex(Digests.check(manifestDigest, "image manifest")) + "/";
        try {
            return store.list(prefix).stream().map(i -> i.name().substring(prefix.length())).toList();
        } catch (IOException e) {
            throw storageFailure("listing the pins of image " + manifestDigest, e);
        }
    }

    /** Every manifest digest some owner pins. */
    public Set<String> pinnedManifests() throws IOException {
        Set<String> out = new TreeSet<>();
        for (BlobInfo info : store.list(PINS)) {
            String rest = info.name().substring(PINS.length());
            int slash = rest.indexOf('/');
            String digest = "sha256:" + (slash < 0 ? rest : rest.substring(0, slash));
            if (Digests.valid(digest)) {
                out.add(digest);
            } else {
                LOG.warnf("image pin %s in the %s store names no manifest digest: ignored", info.name(), store.name());
            }
        }
        return out;
    }

    static String pinName(String manifestDigest, String owner) {
        String hex = Digests.hex(Digests.check(manifestDigest, "image manifest"));
        try {
            if (owner == null || owner.contains("/")) {
                throw new IllegalArgumentException("not one segment");
            }
            BlobNames.validate(owner);
        } catch (IllegalArgumentException e) {
            throw HydraException.invalid("image pin owner '" + owner + "' is not a name of letters, digits, '_', '.',"
                    + " '=', '-' (e.g. NODE.CONTAINER or checkpoint.CONTAINER)");
        }
        return PINS + hex + "/" + owner;
    }

    /** Makes the blob a garbage candidate from {@code at}; one already a candidate keeps its earlier time. */
    public void markCandidate(String digest, Instant at) throws IOException {
        byte[] body = Long.toString(at.toEpochMilli()).getBytes(StandardCharsets.US_ASCII);
        store.put(CANDIDATES + Digests.hex(Digests.check(digest, "blob")), new ByteArrayInputStream(body),
                body.length, true);
    }

    /** The blob is relied on again (a pull found it present, a ref names it): it is no candidate. */
    public void unmarkCandidate(String digest) throws IOException {
        store.delete(CANDIDATES + Digests.hex(Digests.check(digest, "blob")));
    }

    public boolean isCandidate(String digest) throws IOException {
        return store.stat(CANDIDATES + Digests.hex(Digests.check(digest, "blob"))).isPresent();
    }

    /** Candidate blob digest to the time it became one; an unreadable mark counts from now (deleted later, not never). */
    public Map<String, Instant> candidates() throws IOException {
        Map<String, Instant> out = new TreeMap<>();
        for (BlobInfo info : store.list(CANDIDATES)) {
            String digest = "sha256:" + info.name().substring(CANDIDATES.length());
            if (!Digests.valid(digest)) {
                LOG.warnf("garbage mark %s in the %s store names no blob digest: ignored", info.name(), store.name());
                continue;
            }
            Instant at = Instant.now();
            try (InputStream in = store.get(info.name())) {
                at = Instant.ofEpochMilli(Long.parseLong(new String(in.readNBytes(MAX_MARK_BYTES),
                        StandardCharsets.US_ASCII).trim()));
            } catch (NoSuchFileException vanished) {
                continue;
            } catch (NumberFormatException | DateTimeException e) {
                LOG.warnf("garbage mark %s is unreadable: its grace period starts now", info.name());
                markAgain(info.name());
            }
            out.put(digest, at);
        }
        return out;
    }

    private void markAgain(String name) throws IOException {
        byte[] body = Long.toString(Instant.now().toEpochMilli()).getBytes(StandardCharsets.US_ASCII);
        store.put(name, new ByteArrayInputStream(body), body.length, false);
    }

    public String storeName() {
        return store.name();
    }

    private HydraException storageFailure(String what, IOException e) {
        return new HydraException(HydraException.Kind.FAILED, what + " in the " + store.name() + " store failed: "
                + e.getMessage(), new UncheckedIOException(e));
    }
}
