package io.hydra.storage.s3;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginException;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.storage.BlobStore;
import java.io.IOException;
import java.util.Set;

/**
 * The {@code s3} blob store: objects in an S3 (or S3-compatible: MinIO, Ceph, S3Proxy) bucket, through minio-java.
 *
 * <p>Settings ({@code hydra.plugin.storage.s3.<key>}):
 * <ul>
 *   <li>{@code endpoint} (required): {@code http(s)://host[:port]};</li>
 *   <li>{@code region}: default {@code us-east-1};</li>
 *   <li>{@code bucket} (required);</li>
 *   <li>{@code access-key} / {@code secret-key} (required), or {@code access-key-file} / {@code secret-key-file}:
 *       files holding them;</li>
 *   <li>{@code prefix}: keys start with {@code prefix/}, so several clusters can share a bucket;</li>
 *   <li>{@code part-size}: blobs above it are uploaded in parts of it; default 16MiB, 5MiB to 5GiB;</li>
 *   <li>{@code create-bucket}: {@code true} creates a missing bucket; default {@code false}, a missing bucket is an
 *       error.</li>
 * </ul>
 * Creation checks the bucket and the credentials with one request, so a mistake shows at start-up.
 */
public final class S3BlobStoreFactory implements PluginFactory<BlobStore> {
    static final String NAME = "s3";

    @Override
    public Class<BlobStore> type() {
        return BlobStore.class;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> settingKeys() {
        return S3Settings.KEYS;
    }

    @Override
    public BlobStore create(PluginContext context) {
        S3Settings settings = S3Settings.from(context);
        S3BlobStore store = new S3BlobStore(settings);
        try {
            store.checkBucket();
        } catch (IOException e) {
            store.close();
            throw new PluginException("storage 's3': " + e.getMessage(), e);
        }
        return store;
    }
}
