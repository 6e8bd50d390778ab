package io.hydra.events.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Turns a publishing failure into a sentence an operator can act on. The producer reports a broker that is down and
 * a topic that does not exist the same way ("not present in metadata after 10000 ms"), so on such a failure we look
 * for ourselves: a TCP connect to the bootstrap servers, then the cluster's own answers through an admin client
 * (created on the first failure and kept for the next ones).
 */
final class FailureDiagnosis implements AutoCloseable {
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final String AUTO_CREATE = "auto.create.topics.enable";

    private final PublisherSettings settings;
    private Admin admin;

    FailureDiagnosis(PublisherSettings settings) {
        this.settings = settings;
    }

    String explain(Throwable failure) throws InterruptedException {
        if (failure instanceof AuthenticationException || failure instanceof AuthorizationException) {
            return "Kafka at " + settings.bootstrapServers() + " refused the publisher: " + describe(failure);
        }
        if (failure instanceof TimeoutException || failure instanceof UnknownTopicOrPartitionException
                || failure instanceof NetworkException) {
            return askTheCluster(failure);
        }
        return "publishing to topic '" + settings.topic() + "' failed: " + describe(failure);
    }

    private String askTheCluster(Throwable failure) throws InterruptedException {
        Optional<String> unreachable = noBootstrapServerAccepts();
        if (unreachable.isPresent()) {
            return "cannot reach Kafka at " + unreachable.get();
        }
        Collection<Node> nodes;
        try {
            nodes = admin().describeCluster().nodes().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | KafkaException e) {
            if (e instanceof InterruptException) {
                throw new InterruptedException("interrupted while asking Kafka why publishing failed");
            }
            return "cannot reach Kafka at " + settings.bootstrapServers() + ": no broker answered within "
                    + ADMIN_TIMEOUT.toSeconds() + " s (" + describe(failure) + ")";
        }
        try {
            admin().describeTopics(List.of(settings.topic())).allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return topicMissing(nodes);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            // Reachable a moment ago and slow now: report the original failure below.
        }
        return "publishing to topic '" + settings.topic() + "' failed: " + describe(failure);
    }

    /** A plain TCP connect, the fastest way to tell "nothing listens there" from a Kafka that answers. */
    private Optional<String> noBootstrapServerAccepts() {
        List<String> problems = new ArrayList<>();
        for (String entry : settings.bootstrapServers().split(",")) {
            String hostPort = entry.trim();
            int colon = hostPort.lastIndexOf(':');
            String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
                return Optional.empty();
            } catch (UnknownHostException e) {
                problems.add(hostPort + " (unknown host)");
            } catch (SocketTimeoutException e) {
                problems.add(hostPort + " (no answer within " + CONNECT_TIMEOUT.toSeconds() + " s)");
            } catch (IOException e) {
                problems.add(hostPort + " (" + e.getMessage() + ")");
            }
        }
        return Optional.of(String.join(", ", problems));
    }

    private String topicMissing(Collection<Node> nodes) throws InterruptedException {
        String missing = "topic '" + settings.topic() + "' does not exist on the broker";
        if (nodes.isEmpty()) {
            return missing;
        }
        var broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
        try {
            Map<ConfigResource, Config> configs = admin().describeConfigs(List.of(broker)).all()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            ConfigEntry autoCreate = configs.get(broker).get(AUTO_CREATE);
            if (autoCreate != null && "false".equals(autoCreate.value())) {
                return missing + " (auto-creation is off): create it, or point the publisher at an existing topic";
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // Not allowed to read broker configs, for instance: say what we know.
        }
        return missing + " and the broker did not create it";
    }

    private Admin admin() {
        if (admin == null) {
            Map<String, Object> config = new HashMap<>();
            // The operator's security settings apply to the admin client too; producer tuning does not.
            settings.producerProperties().forEach((key, value) -> {
                if (key.startsWith("security.") || key.startsWith("ssl.") || key.startsWith("sasl.")) {
                    config.put(key, value);
                }
            });
            config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.clientId() + "-diagnosis");
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
            config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10_000);
            admin = Admin.create(config);
        }
        return admin;
    }

    static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ZERO);
            admin = null;
        }
    }
}
