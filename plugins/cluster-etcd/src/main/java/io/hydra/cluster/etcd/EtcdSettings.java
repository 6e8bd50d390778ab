package io.hydra.cluster.etcd;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The etcd coordinator's settings, checked once: every bad value is refused here, naming the setting, so a mistake
 * shows at start-up and never as a hang or a half-joined node later.
 *
 * @param endpoints {@code host:port} of each etcd member
 * @param ttl       the node lease's time to live (whole seconds: etcd grants leases in seconds)
 * @param prefix    every key is placed under it; ends with {@code /}
 * @param tls       the CA, certificate and key for TLS to etcd, when set (then the endpoints are https)
 * @param timeout   the deadline of each call to etcd
 * @param etcdctl   the etcdctl binary that keeps the node lease alive outside the daemon's process
 */
public record EtcdSettings(List<String> endpoints, Duration ttl, String prefix, Optional<Tls> tls, Duration timeout,
                           Path etcdctl) {
    public static final Set<String> KEYS = Set.of("endpoints", "ttl", "prefix", "cacert", "cert", "key", "timeout",
            "etcdctl");

    private static final Pattern HOST_PORT = Pattern.compile("^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):(\\d{1,5})$");
    private static final Pattern DURATION = Pattern.compile("^(\\d+)(ms|s|m)$");

    /** The files of TLS to etcd (PEM; the key in PKCS#8, as Netty and etcdctl both read it). */
    public record Tls(Path cacert, Path cert, Path key) {
    }

    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
    }

    public static EtcdSettings from(PluginContext context) {
        List<String> endpoints = endpoints(context.setting("endpoints")
                .orElseThrow(() -> bad("endpoints", "is required (comma-separated HOST:PORT of etcd)")));
        Duration ttl = duration("ttl", context.setting("ttl", "3s"));
        if (ttl.toMillis() % 1000 != 0 || ttl.toSeconds() < 2) {
            throw bad("ttl", "must be whole seconds, at least 2s (etcd grants leases in seconds, 2 s at least): "
                    + context.setting("ttl", "3s"));
        }
        String prefix = context.setting("prefix", "/hydra/");
        if (prefix.isEmpty() || !prefix.endsWith("/") || prefix.chars().anyMatch(Character::isWhitespace)) {
            throw bad("prefix", "must be non-empty, end with '/' and hold no spaces: '" + prefix + "'");
        }
        Duration timeout = duration("timeout", context.setting("timeout", "1s"));
        if (timeout.isZero()) {
            throw bad("timeout", "must be positive");
        }
        Path etcdctl = Path.of(context.setting("etcdctl", "/usr/bin/etcdctl"));
        if (!Files.isExecutable(etcdctl)) {
            throw bad("etcdctl", "'" + etcdctl + "' is not an executable file (install etcd-client)");
        }
        return new EtcdSettings(endpoints, ttl, prefix, tls(context), timeout, etcdctl);
    }

    /** The endpoint URLs, http or https by whether TLS is set. */
    public List<String> urls() {
        String scheme = tls.isPresent() ? "https://" : "http://";
        return endpoints.stream().map(e -> scheme + e).toList();
    }

    private static List<String> endpoints(String value) {
        List<String> out = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String e = part.trim();
            Matcher m = HOST_PORT.matcher(e);
            if (!m.matches()) {
                throw bad("endpoints", "'" + e + "' is not HOST:PORT (in '" + value + "')");
            }
            int port = Integer.parseInt(m.group(2));
            if (port < 1 || port > 65535) {
                throw bad("endpoints", "port out of range in '" + e + "'");
            }
            out.add(e);
        }
        return out;
    }

    private static Optional<Tls> tls(PluginContext context) {
        Optional<String> ca = context.setting("cacert");
        Optional<String> cert = context.setting("cert");
        Optional<String> key = context.setting("key");
        if (ca.isEmpty() && cert.isEmpty() && key.isEmpty()) {
            return Optional.empty();
        }
        if (ca.isEmpty() || cert.isEmpty() || key.isEmpty()) {
            throw bad(ca.isEmpty() ? "cacert" : cert.isEmpty() ? "cert" : "key",
                    "is missing: TLS to etcd takes cacert, cert and key together");
        }
        return Optional.of(new Tls(readable("cacert", ca.get()), readable("cert", cert.get()),
                readable("key", key.get())));
    }

    private static Path readable(String setting, String value) {
        Path p = Path.of(value);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw bad(setting, "'" + value + "' is not a readable file");
        }
        return p.toAbsolutePath();
    }

    static Duration duration(String setting, String value) {
        Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw bad(setting, "'" + value + "' is not a duration like 500ms, 3s or 1m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    private static PluginException bad(String setting, String problem) {
        return new PluginException("coordinator 'etcd': setting '" + setting + "' " + problem);
    }
}
