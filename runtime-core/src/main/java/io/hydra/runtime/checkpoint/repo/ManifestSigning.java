package io.hydra.runtime.checkpoint.repo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.spi.storage.BlobStore;

/**
 * Signs, once, the unsigned manifests of a store that only this daemon writes, when its MAC key has just been
 * generated: they were written by this daemon before it signed anything, and would otherwise all be refused. Only a
 * manifest with no MAC at all is signed; one with a wrong MAC stays refused. Each new body is verified to read back
 * authentic before it replaces the old one (the store's put replaces atomically).
 */
final class ManifestSigning {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlobStore store;
    private final ManifestCodec codec;
    private final ManifestReader reader;

    ManifestSigning(BlobStore store, ManifestCodec codec, ManifestReader reader) {
        this.store = store;
        this.codec = codec;
        this.reader = reader;
    }

    /** @return how many manifests were signed */
    int signUnsigned() throws IOException {
        List<ManifestNames.Parsed> manifests = new ArrayList<>();
        store.forEach(ManifestNames.ROOT, info -> {
            ManifestNames.Parsed parsed = ManifestNames.parse(info.name());
            if (parsed != null) {
                manifests.add(parsed);
            }
        });
        int signed = 0;
        for (ManifestNames.Parsed m : manifests) {
            byte[] json = reader.read(m.containerId(), m.version());
            JsonNode mac = JSON.readTree(json).get("mac");
            if (mac != null && !mac.isNull()) {
                continue;
            }
            Manifest manifest = codec.read(json, m.containerId(), m.version()).manifest();
            byte[] signedJson = codec.encode(manifest);
            if (!codec.read(signedJson, m.containerId(), m.version()).authentic()) {
                throw new IOException("signing manifest " + ManifestNames.blobName(m.containerId(), m.version())
                        + " produced a body that does not verify; nothing was replaced for it");
            }
            store.put(ManifestNames.blobName(m.containerId(), m.version()), new ByteArrayInputStream(signedJson),
                    signedJson.length, false);
            signed++;
        }
        return signed;
    }
}
