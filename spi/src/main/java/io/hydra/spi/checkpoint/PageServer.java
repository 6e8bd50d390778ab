package io.hydra.spi.checkpoint;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a lazy dump's memory is served and fetched from, over mutual TLS with the nodes' own certificates: an
 * unauthenticated page server would hand a container's memory to anyone who connects, and a connection that merely
 * closes would end the dump.
 *
 * @param address the page server's address (the source node's)
 * @param port    its port
 * @param caCert  the CA both ends' certificates are signed by
 * @param cert    this end's certificate (serverAuth and clientAuth, with the address as a subject alternative name)
 * @param key     this end's private key
 */
public record PageServer(String address, int port, Path caCert, Path cert, Path key) {
    public PageServer {
        Objects.requireNonNull(address, "address");
        if (address.isBlank() || address.chars().anyMatch(c -> Character.isWhitespace(c) || c == '#')) {
            throw new IllegalArgumentException("page server address '" + address + "' is not an address");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("page server port " + port + " is outside 1-65535");
        }
        Objects.requireNonNull(caCert, "caCert");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
    }

    public String endpoint() {
        return address.contains(":") ? "[" + address + "]:" + port : address + ":" + port;
    }
}
