package io.hydra.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginException;
import io.hydra.spi.plugin.PluginFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad setting is refused at creation, naming the setting. */
class EtcdSettingsTest {
    @TempDir
    Path temp;

    @Test
    void theFactoryIsRegisteredAsEtcdForTheCoordinator() {
        Optional<PluginFactory> found = ServiceLoader.load(PluginFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.type() == Coordinator.class && f.name().equals("etcd")).findFirst();
        assertTrue(found.isPresent(), "no 'etcd' coordinator in META-INF/services");
        assertEquals(EtcdSettings.KEYS, found.get().settingKeys());
    }

    @Test
    void defaultsAndParsing() {
        EtcdSettings s = EtcdSettings.from(context(Map.of("endpoints", "127.0.0.1:2379, etcd-2.local:2379")));
        assertEquals(List.of("127.0.0.1:2379", "etcd-2.local:2379"), s.endpoints());
        assertEquals(List.of("http://127.0.0.1:2379", "http://etcd-2.local:2379"), s.urls());
        assertEquals(Duration.ofSeconds(3), s.ttl());
        assertEquals("/hydra/", s.prefix());
        assertEquals(Duration.ofSeconds(1), s.timeout());
        assertEquals(Path.of("/usr/bin/etcdctl"), s.etcdctl());
        assertTrue(s.tls().isEmpty());
        EtcdSettings t = EtcdSettings.from(context(Map.of("endpoints", "[::1]:2379", "ttl", "5s", "timeout", "250ms")));
        assertEquals(Duration.ofSeconds(5), t.ttl());
        assertEquals(Duration.ofMillis(250), t.timeout());
    }

    @Test
    void badValuesAreRefusedNamingTheSetting() throws Exception {
        refused(Map.of(), "endpoints");
        refused(Map.of("endpoints", "http://127.0.0.1:2379"), "endpoints");
        refused(Map.of("endpoints", "127.0.0.1"), "endpoints");
        refused(Map.of("endpoints", "127.0.0.1:99999"), "endpoints");
        refused(Map.of("endpoints", "127.0.0.1:2379,"), "endpoints");
        refused(with("ttl", "3"), "ttl");
        refused(with("ttl", "1s"), "ttl");
        refused(with("ttl", "2500ms"), "ttl");
        refused(with("timeout", "soon"), "timeout");
        refused(with("timeout", "0s"), "timeout");
        refused(with("prefix", "/hydra"), "prefix");
        refused(with("prefix", ""), "prefix");
        refused(with("etcdctl", temp.resolve("missing").toString()), "etcdctl");
        Path ca = Files.writeString(temp.resolve("ca.pem"), "x");
        refused(with("cacert", ca.toString()), "cert");
        Map<String, String> tls = with("cacert", ca.toString());
        tls.put("cert", ca.toString());
        tls.put("key", temp.resolve("no-key.pem").toString());
        refused(tls, "key");
    }

    private void refused(Map<String, String> settings, String setting) {
        PluginException e = assertThrows(PluginException.class, () -> new EtcdCoordinatorFactory().create(context(settings)),
                settings.toString());
        assertTrue(e.getMessage().contains("setting '" + setting + "'"), e.getMessage());
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>();
        m.put("endpoints", "127.0.0.1:2379");
        m.put(key, value);
        return m;
    }

    private PluginContext context(Map<String, String> settings) {
        return new PluginContext("n1", temp, settings);
    }
}
