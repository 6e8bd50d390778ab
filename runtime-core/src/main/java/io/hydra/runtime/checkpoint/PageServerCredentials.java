package io.hydra.runtime.checkpoint;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Objects;

import io.hydra.runtime.HydraException;
import io.hydra.spi.checkpoint.PageServer;

/**
 * What a post-copy migration's page server and fetcher use on this node: its cluster address and the certificates
 * of its peer API (the same mutual TLS, the same CA), so only a node of the cluster can fetch a container's memory.
 */
public record PageServerCredentials(String address, Path caCert, Path cert, Path key) {
    public PageServerCredentials {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(caCert, "caCert");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
    }

    /** The host of {@code --listen HOST:PORT}, with this node's certificates. */
    public static PageServerCredentials of(String listen, Path caCert, Path cert, Path key) {
        int colon = listen.lastIndexOf(':');
        String host = colon > 0 ? listen.substring(0, colon) : listen;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new PageServerCredentials(host, caCert, cert, key);
    }

    /**
     * A page server on this node's address, at a port free now (the dump binds it a moment later: a port taken in
     * between fails the dump with the container running on, and the migration says so).
     */
    public PageServer listen() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return new PageServer(address, probe.getLocalPort(), caCert, cert, key);
        } catch (IOException e) {
            throw HydraException.failed("no port for a page server on " + address + ": " + e.getMessage());
        }
    }

    /** The source's page server at {@code endpoint} (HOST:PORT), reached with this node's certificates. */
    public PageServer toward(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) {
            throw HydraException.failed("page server '" + endpoint + "' is not HOST:PORT");
        }
        String host = endpoint.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new PageServer(host, Integer.parseInt(endpoint.substring(colon + 1)), caCert, cert, key);
        } catch (IllegalArgumentException e) {
            throw HydraException.failed("page server '" + endpoint + "': " + e.getMessage());
        }
    }
}
