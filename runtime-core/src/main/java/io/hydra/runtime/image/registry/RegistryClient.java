package io.hydra.runtime.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ImageRef;
import io.hydra.runtime.image.ManifestParser;
import io.hydra.runtime.image.MediaTypes;

/**
 * The distribution API v2, read side, over java.net.http. HTTPS uses the JVM's trust store (on Debian generated from
 * the system's CA certificates by ca-certificates-java); plain HTTP is spoken only to registries listed in
 * {@code hydra.registries.insecure} or for a request with TLS verification turned off. Authentication follows the
 * registry's challenge: anonymous first, then on a 401 either basic auth with the credentials file's login, or the
 * bearer flow (a token from the challenge's realm for its service and scope, with the login when there is one).
 */
public final class RegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOKEN_RESPONSE_BYTES = 1 << 20;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_REDIRECTS = 5;

    private final HttpClient http;
    private final Set<String> insecure;
    private final Supplier<RegistryCredentials> credentialsFile;
    private final Duration idleTimeout;

    /** @param credentials read for each pull, so a {@code docker login} after the daemon started counts */
    public RegistryClient(Set<String> insecure, Supplier<RegistryCredentials> credentials) {
        this(insecure, credentials, REQUEST_TIMEOUT);
    }

    /** @param idleTimeout how long a blob's body may send nothing before the transfer fails */
    public RegistryClient(Set<String> insecure, Supplier<RegistryCredentials> credentials, Duration idleTimeout) {
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("the registry idle timeout must be positive, not " + idleTimeout);
        }
        this.idleTimeout = idleTimeout;
        this.insecure = Set.copyOf(insecure);
        this.credentialsFile = credentials;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** A manifest as the registry sent it. */
    public record FetchedManifest(byte[] body, String contentType, Optional<String> digestHeader) {
    }

    /** Requests to one repository, carrying the authorization the challenge flow settled on. */
    public final class Session {
        private final ImageRef ref;
        private final URI base;
        private final RegistryCredentials credentials;
        private volatile String authorization;

        private Session(ImageRef ref, boolean tlsVerify) {
            this.ref = ref;
            try {
                this.credentials = credentialsFile.get();
            } catch (IllegalStateException e) {
                throw HydraException.failed(ref + ": " + e.getMessage());
            }
            String host = ref.registry().equals(ImageRef.DOCKER_HUB) ? "registry-1.docker.io" : ref.registry();
            boolean plain = !tlsVerify || insecure.contains(ref.registry());
            this.base = URI.create((plain ? "http://" : "https://") + host + "/v2/" + ref.repository() + "/");
        }

        public FetchedManifest manifest(String reference) {
            HttpResponse<InputStream> r = send("manifests/" + reference, MediaTypes.ACCEPT);
            try (InputStream in = new IdleTimeoutInputStream(r.body(), idleTimeout,
                    ref + ": manifest " + reference + " from " + base.getHost())) {
                byte[] body = in.readNBytes(ManifestParser.MAX_DOCUMENT_BYTES + 1);
                if (body.length > ManifestParser.MAX_DOCUMENT_BYTES) {
                    throw HydraException.invalid(ref + ": manifest " + reference + " is larger than "
                            + ManifestParser.MAX_DOCUMENT_BYTES + " bytes");
                }
                return new FetchedManifest(body, r.headers().firstValue("Content-Type").orElse(null),
                        r.headers().firstValue("Docker-Content-Digest"));
            } catch (IOException e) {
                throw HydraException.failed(ref + ": reading manifest " + reference + " from " + base.getHost()
                        + " failed: " + e.getMessage());
            }
        }

        /** The blob's bytes as the registry sends them; the caller verifies them against the digest. */
        public InputStream blob(String digest) {
            return new IdleTimeoutInputStream(send("blobs/" + digest, "*/*").body(), idleTimeout,
                    ref + ": blob " + digest + " from " + base.getHost());
        }

        private HttpResponse<InputStream> send(String path, String accept) {
            URI uri = base.resolve(path);
            try {
                HttpResponse<InputStream> r = follow(uri, accept);
                if (r.statusCode() == 401) {
                    refuseForeignChallenge(uri, r);
                    String challenge = r.headers().firstValue("WWW-Authenticate").orElse(null);
                    r.body().close();
                    authorization = authorize(challenge);
                    r = follow(uri, accept);
                    if (r.statusCode() == 401) {
                        refuseForeignChallenge(uri, r);
                    }
                }
                if (r.statusCode() / 100 != 2) {
                    int status = r.statusCode();
                    String detail = errorText(r);
                    if (status == 404) {
                        throw HydraException.notFound(ref + ": " + uri + " was not found on the registry" + detail);
                    }
                    if (status == 401 || status == 403) {
                        throw HydraException.failed(ref + ": the registry refused access (HTTP " + status + ")"
                                + detail + "; credentials come from " + credentials.source());
                    }
                    throw HydraException.failed(ref + ": " + uri + " answered HTTP " + status + detail);
                }
                return r;
            } catch (IOException e) {
                throw HydraException.failed(ref + ": cannot reach " + uri + ": " + describe(e)
                        + (uri.getScheme().equals("https") ? " (a registry without TLS must be listed in"
                        + " hydra.registries.insecure, or pulled with --tls-verify=false)" : ""));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw HydraException.failed(ref + ": interrupted while talking to " + uri.getHost());
            }
        }

        /**
         * Follows redirects by hand: registries send blobs to a storage host or CDN with a signed URL, which must
         * not receive the registry's Authorization header (S3 refuses a request with two credentials), nor be
         * reached over plain HTTP from an HTTPS registry.
         */
        private HttpResponse<InputStream> follow(URI uri, String accept) throws IOException, InterruptedException {
            URI current = uri;
            for (int hops = 0; hops <= MAX_REDIRECTS; hops++) {
                HttpResponse<InputStream> r = http.send(request(current, accept, sameOrigin(current)),
                        HttpResponse.BodyHandlers.ofInputStream());
                int status = r.statusCode();
                if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
                    return r;
                }
                r.body().close();
                String location = r.headers().firstValue("Location").orElseThrow(() -> HydraException.failed(
                        ref + ": " + uri + " redirected (HTTP " + status + ") without a Location"));
                URI next = current.resolve(location);
                if (base.getScheme().equals("https") && !"https".equals(next.getScheme())) {
                    throw HydraException.failed(ref + ": " + uri + " redirected to " + next.getScheme() + "://"
                            + next.getAuthority() + ", not HTTPS");
                }
                current = next;
            }
            throw HydraException.failed(ref + ": " + uri + " redirected more than " + MAX_REDIRECTS + " times");
        }

        /**
         * A 401 from a storage host or CDN a redirect led to is not the registry's challenge: answering it would send
         * the user's login to whatever realm that host names.
         */
        private void refuseForeignChallenge(URI asked, HttpResponse<InputStream> r) throws IOException {
            if (!sameOrigin(r.uri())) {
                r.body().close();
                throw HydraException.failed(ref + ": " + asked + " redirected to " + r.uri().getScheme() + "://"
                        + r.uri().getAuthority() + ", which refused access (HTTP 401); the registry's login is"
                        + " sent only to " + base.getScheme() + "://" + base.getAuthority());
            }
        }

        private boolean sameOrigin(URI uri) {
            return uri.getScheme().equals(base.getScheme()) && uri.getAuthority().equals(base.getAuthority());
        }

        private HttpRequest request(URI uri, String accept, boolean sameOrigin) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", accept).GET();
            // covers the wait for the headers only; a blob's body is watched by IdleTimeoutInputStream
            b.timeout(REQUEST_TIMEOUT);
            if (authorization != null && sameOrigin) {
                b.header("Authorization", authorization);
            }
            return b.build();
        }

        private String authorize(String header) throws IOException, InterruptedException {
            AuthChallenge challenge;
            try {
                challenge = AuthChallenge.parse(header);
            } catch (IllegalArgumentException e) {
                throw HydraException.failed(ref + ": " + e.getMessage());
            }
            Optional<RegistryCredentials.Login> login = credentials.forHost(ref.registry());
            if (challenge.scheme().equals("basic")) {
                if (login.isEmpty()) {
                    throw HydraException.failed(ref + ": the registry " + ref.registry() + " needs a login and "
                            + credentials.source() + " has none for it");
                }
                return basic(login.get());
            }
            if (!challenge.scheme().equals("bearer")) {
                throw HydraException.failed(ref + ": the registry asks for '" + challenge.scheme()
                        + "' authentication; Hydra speaks basic and bearer");
            }
            return "Bearer " + token(challenge, login);
        }

        private String token(AuthChallenge challenge, Optional<RegistryCredentials.Login> login)
                throws IOException, InterruptedException {
            String realm = challenge.params().get("realm");
            if (realm == null || realm.isEmpty()) {
                throw HydraException.failed(ref + ": the registry's bearer challenge names no realm");
            }
            StringBuilder query = new StringBuilder();
            String service = challenge.params().get("service");
            if (service != null) {
                query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
            }
            String scope = challenge.params().getOrDefault("scope", "repository:" + ref.repository() + ":pull");
            query.append(query.isEmpty() ? "" : "&").append("scope=")
                    .append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
            URI uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
            if (!uri.getScheme().equals("https") && !(insecure.contains(ref.registry()) || base.getScheme().equals("http"))) {
                throw HydraException.failed(ref + ": the token realm " + realm + " is not HTTPS; credentials are not"
                        + " sent in the clear");
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET();
            login.ifPresent(l -> b.header("Authorization", basic(l)));
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readNBytes(MAX_TOKEN_RESPONSE_BYTES);
            }
            if (r.statusCode() / 100 != 2) {
                throw HydraException.failed(ref + ": the token service " + uri.getHost() + " refused a token (HTTP "
                        + r.statusCode() + "); credentials come from " + credentials.source());
            }
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                throw HydraException.failed(ref + ": the token service " + uri.getHost() + " answered no JSON");
            }
            String token = json.path("token").asText(json.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw HydraException.failed(ref + ": the token service " + uri.getHost() + " answered no token");
            }
            return token;
        }
    }

    public Session session(ImageRef ref, boolean tlsVerify) {
        return new Session(ref, tlsVerify);
    }

    private static String basic(RegistryCredentials.Login login) {
        return "Basic " + Base64.getEncoder().encodeToString(
                (login.username() + ":" + login.password()).getBytes(StandardCharsets.UTF_8));
    }

    private static String errorText(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            String text = new String(in.readNBytes(2048), StandardCharsets.UTF_8).trim();
            try {
                JsonNode errors = JSON.readTree(text).path("errors");
                if (errors.isArray() && !errors.isEmpty()) {
                    return ": " + errors.get(0).path("code").asText() + " " + errors.get(0).path("message").asText();
                }
            } catch (IOException ignored) {
                // not the registry's JSON error format; the raw text stands
            }
            return text.isEmpty() ? "" : ": " + (text.length() > 200 ? text.substring(0, 200) : text);
        } catch (IOException e) {
            return "";
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
