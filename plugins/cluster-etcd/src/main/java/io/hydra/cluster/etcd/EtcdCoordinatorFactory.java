package io.hydra.cluster.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginException;
import io.hydra.spi.plugin.PluginFactory;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * The {@code etcd} coordinator. Settings ({@code hydra.plugin.coordinator.etcd.<key>}):
 * <ul>
 *   <li>{@code endpoints} (required): comma-separated {@code HOST:PORT} of etcd (the core passes them from
 *       {@code --cluster etcd://...});</li>
 *   <li>{@code ttl}: the node lease's time to live, whole seconds, at least 2s; default 3s;</li>
 *   <li>{@code prefix}: every key lives under it; default {@code /hydra/};</li>
 *   <li>{@code cacert}, {@code cert}, {@code key}: TLS to etcd (PEM files, the key PKCS#8), all three or none;</li>
 *   <li>{@code timeout}: the deadline of each call to etcd; default 1s;</li>
 *   <li>{@code etcdctl}: the etcdctl that keeps the node lease alive outside the daemon; default
 *       {@code /usr/bin/etcdctl}.</li>
 * </ul>
 */
public final class EtcdCoordinatorFactory implements PluginFactory<Coordinator> {
    static final String NAME = "etcd";

    @Override
    public Class<Coordinator> type() {
        return Coordinator.class;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> settingKeys() {
        return EtcdSettings.KEYS;
    }

    @Override
    public Coordinator create(PluginContext context) {
        EtcdSettings settings = EtcdSettings.from(context);
        Calls calls = new Calls(settings.timeout());
        Client client = client(settings, calls);
        return new EtcdCoordinator(settings, client, calls, context.stateDir(),
                new LeaseKeeper(settings, context.stateDir()));
    }

    static Client client(EtcdSettings settings, Calls calls) {
        ClientBuilder builder = Client.builder().endpoints(settings.urls().toArray(String[]::new))
                .connectTimeout(Calls.FIRST_CONTACT)
                // our deadline decides when a call has failed; jetcd's own retries only within it
                .retryMaxDuration(settings.timeout())
                .interceptor(new DeadlineInterceptor(calls));
        if (settings.tls().isPresent()) {
            EtcdSettings.Tls tls = settings.tls().get();
            try {
                builder.sslContext(b -> b.trustManager(tls.cacert().toFile())
                        .keyManager(tls.cert().toFile(), tls.key().toFile()));
            } catch (SSLException | IllegalArgumentException e) {
                throw new PluginException("coordinator 'etcd': cannot use TLS files cacert=" + tls.cacert()
                        + " cert=" + tls.cert() + " key=" + tls.key() + " (PEM, the key in PKCS#8): " + e.getMessage(),
                        e);
            }
        }
        return builder.build();
    }
}
