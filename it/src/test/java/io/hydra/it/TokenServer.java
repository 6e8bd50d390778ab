package io.hydra.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small token service for the distribution server's {@code auth: token}: it answers {@code GET /token?service=&scope=}
 * with an RS256 JWT granting the scope's actions, signed with a key made by openssl and carrying its self-signed
 * certificate in {@code x5c}; the registry trusts that certificate through its {@code rootcertbundle}. Every
 * request's query and Authorization header is recorded, so a test can see the challenge flow happen.
 */
final class TokenServer implements AutoCloseable {
    static final String SERVICE = "hydra-test-registry";
    static final String ISSUER = "hydra-test-issuer";

    final Path cert;
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final PrivateKey key;
    private final String certDer;
    private final HttpServer server;

    TokenServer(Path dir) throws Exception {
        Path keyFile = dir.resolve("token-key.pem");
        cert = dir.resolve("token-cert.pem");
        OciImages.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                keyFile.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=hydra-token"));
        String pem = Files.readString(keyFile).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        X509Certificate x509;
        try (var in = Files.newInputStream(cert)) {
            x509 = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        certDer = Base64.getEncoder().encodeToString(x509.getEncoded());
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::token);
        server.start();
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    private void token(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery();
        requests.add(query + " auth=" + exchange.getRequestHeaders().getFirst("Authorization"));
        Map<String, String> params = new LinkedHashMap<>();
        for (String p : query.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                params.put(p.substring(0, eq), URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        StringBuilder access = new StringBuilder();
        String scope = params.get("scope");
        if (scope != null) {
            String[] parts = scope.split(":");
            access.append("{\"type\":\"").append(parts[0]).append("\",\"name\":\"").append(parts[1])
                    .append("\",\"actions\":[");
            String[] actions = parts[2].split(",");
            for (int i = 0; i < actions.length; i++) {
                access.append(i > 0 ? "," : "").append('"').append(actions[i]).append('"');
            }
            access.append("]}");
        }
        long now = System.currentTimeMillis() / 1000;
        String header = "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5c\":[\"" + certDer + "\"]}";
        String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"tester\",\"aud\":\"" + SERVICE + "\",\"exp\":"
                + (now + 300) + ",\"nbf\":" + (now - 30) + ",\"iat\":" + (now - 30) + ",\"jti\":\""
                + UUID.randomUUID() + "\",\"access\":[" + access + "]}";
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signingInput = url.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key);
            rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            String jwt = signingInput + "." + url.encodeToString(rs256.sign());
            byte[] body = ("{\"token\":\"" + jwt + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (java.security.GeneralSecurityException e) {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
