package io.hydra.it.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cluster's certificates, made with openssl: one CA, and for each node a key and a certificate signed by it
 * whose subject alternative name is the node's IP (node-to-node gRPC is mutual TLS: each side checks the other).
 */
final class ClusterPki {
    record NodeCert(Path cert, Path key, Path ca) {
    }

    private final Path dir;
    private final Path caCert;
    private final Path caKey;

    private ClusterPki(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.crt");
        this.caKey = dir.resolve("ca.key");
    }

    static ClusterPki create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        ClusterPki pki = new ClusterPki(dir);
        Shell.must("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                "/CN=hydra-test-cluster-ca", "-keyout", pki.caKey.toString(), "-out", pki.caCert.toString());
        return pki;
    }

    /** A certificate for {@code nodeId} at {@code ip}, good for both server and client authentication. */
    NodeCert issue(String nodeId, String ip) throws IOException, InterruptedException {
        String base = dir.resolve(nodeId).toString();
        Shell.must("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + nodeId,
                "-keyout", base + ".rsa", "-out", base + ".csr");
        Files.writeString(Path.of(base + ".ext"), "subjectAltName=IP:" + ip + ",DNS:" + nodeId + "\n"
                + "extendedKeyUsage=serverAuth,clientAuth\n");
        Shell.must("openssl", "x509", "-req", "-in", base + ".csr", "-CA", caCert.toString(), "-CAkey",
                caKey.toString(), "-CAcreateserial", "-days", "2", "-extfile", base + ".ext", "-out", base + ".crt");
        // the gRPC server reads PKCS#8 keys
        Shell.must("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", base + ".rsa", "-out", base + ".key");
        return new NodeCert(Path.of(base + ".crt"), Path.of(base + ".key"), caCert);
    }
}
