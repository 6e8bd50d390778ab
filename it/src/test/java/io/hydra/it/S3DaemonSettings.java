package io.hydra.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.hydra.storage.s3.testing.S3ProxyServer;

/** Daemon settings that keep checkpoints in a bucket of a test S3 server. */
final class S3DaemonSettings {
    private S3DaemonSettings() {
    }

    /**
     * Signed with the manifest key every daemon sharing the bucket must hold: one file beside the server's data,
     * written by the first daemon's settings and read by the others'.
     */
    static String[] sharingManifestKey(S3ProxyServer s3, String bucket) throws IOException {
        Path key = s3.baseDir().resolveSibling(s3.baseDir().getFileName() + ".mac-key");
        if (!Files.exists(key)) {
            Files.write(key, "a-shared-manifest-key-for-s3-tests".getBytes(StandardCharsets.US_ASCII));
        }
        return signed(s3, bucket, key);
    }

    /** Manifests signed with the key in {@code macKey}. */
    static String[] signed(S3ProxyServer s3, String bucket, Path macKey) {
        return settings(s3, bucket, "hydra.checkpoint.key=" + macKey);
    }

    /** Manifests left unsigned, as an operator may choose. */
    static String[] unsigned(S3ProxyServer s3, String bucket) {
        return settings(s3, bucket, "hydra.checkpoint.unsigned=true");
    }

    private static String[] settings(S3ProxyServer s3, String bucket, String signing) {
        List<String> settings = new ArrayList<>(List.of("hydra.storage=s3", signing,
                "hydra.plugin.storage.s3.create-bucket=true"));
        s3.daemonProperties(bucket).forEach((k, v) -> settings.add(k + "=" + v));
        return settings.toArray(String[]::new);
    }
}
