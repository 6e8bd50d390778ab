package io.hydra.events.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import kafka.server.BrokerServer;

/**
 * A real single-node Kafka (KRaft, broker and controller combined) inside the test JVM, from Kafka's own
 * {@link KafkaClusterTestKit}: about 4 s to start, on a random port.
 *
 * <p>{@link #stop()} shuts the broker down for real (its port refuses connections; the controller and the log
 * directories stay) so that tests can stage an outage; {@link #start()} then brings it back on the same port with the
 * same data. {@link #close()} tears everything down and deletes the directories.
 *
 * <p>Published in hydra-events' test-jar for the end-to-end tests; users add {@code kafka-test-common-runtime}
 * (test scope, JUnit excluded) themselves, since a test-jar's dependencies are not transitive.
 */
public final class KafkaBroker implements AutoCloseable {
    /** A single broker cannot hold the default three replicas of the internal topics: groups would never form. */
    private static final Map<String, String> SINGLE_NODE = Map.of(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "1",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "group.initial.rebalance.delay.ms", "0");

    private final Map<String, String> brokerProperties;
    private KafkaClusterTestKit cluster;
    private String bootstrapServers;
    private boolean running;

    /** A broker with Kafka's defaults (topics are created on first use). */
    public KafkaBroker() {
        this(Map.of());
    }

    /** A broker with these server properties on top, e.g. {@code auto.create.topics.enable=false}. */
    public KafkaBroker(Map<String, String> brokerProperties) {
        this.brokerProperties = Map.copyOf(brokerProperties);
    }

    /** Starts the broker: the first time formats and starts a new cluster, after {@link #stop()} restarts it. */
    public synchronized KafkaBroker start() {
        try {
            if (cluster == null) {
                TestKitNodes nodes = new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .build();
                KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
                SINGLE_NODE.forEach(builder::setConfigProp);
                brokerProperties.forEach(builder::setConfigProp);
                cluster = builder.build();
                cluster.format();
                cluster.startup();
                bootstrapServers = cluster.bootstrapServers();
            } else if (!running) {
                broker().startup();
            }
            cluster.waitForReadyBrokers();
            running = true;
            return this;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test Kafka broker: " + e, e);
        }
    }

    /** Shuts the broker down (clients get connection refused); {@link #start()} brings it back on the same port. */
    public synchronized void stop() {
        if (running) {
            BrokerServer broker = broker();
            broker.shutdown();
            broker.awaitShutdown();
            running = false;
        }
    }

    public synchronized boolean isRunning() {
        return running;
    }

    /** host:port of the broker, the same across {@link #stop()} and {@link #start()}. */
    public synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("the test Kafka broker was never started");
        }
        return bootstrapServers;
    }

    /**
     * Creates a topic with one replica and waits until the controller has it. Its partitions' leaders may not be
     * ready yet: the first produce requests can get NOT_LEADER_OR_FOLLOWER, as after a leader change.
     */
    public void createTopic(String name, int partitions) {
        createTopics(List.of(name), partitions);
    }

    /** {@link #createTopic} for several topics in one request. */
    public void createTopics(List<String> names, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(names.stream().map(name -> new NewTopic(name, partitions, (short) 1)).toList()).all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create topics " + names + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topics " + names, e);
        }
    }

    /** Properties for a Kafka client of this broker, with short timeouts that suit tests. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(30).toMillis());
        return properties;
    }

    private BrokerServer broker() {
        return cluster.brokers().values().iterator().next();
    }

    /** Stops everything and deletes the cluster's directories. */
    @Override
    public synchronized void close() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the test Kafka broker: " + e, e);
            } finally {
                cluster = null;
                running = false;
            }
        }
    }
}
