package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.hydra.events.HydraEvent;
import io.hydra.events.kafka.ConsumerSettings;
import io.hydra.events.kafka.HydraEventConsumer;
import io.hydra.events.testing.KafkaBroker;

/** Lifecycle events on a real Kafka broker: in order per container, none lost through broker or daemon deaths. */
class KafkaEventsTest {
    static KafkaBroker broker;

    @BeforeAll
    static void up() {
        broker = new KafkaBroker(Map.of("auto.create.topics.enable", "false")).start();
        broker.createTopic("hydra.events", 3);
        broker.createTopic("hydra.binary", 3);
    }

    @AfterAll
    static void down() {
        broker.close();
    }

    private static List<HydraEvent> readAll(String topic, String subject, int atLeast) throws Exception {
        List<HydraEvent> events = new ArrayList<>();
        try (HydraEventConsumer consumer = new HydraEventConsumer(new ConsumerSettings(broker.bootstrapServers(), topic,
                "it-" + UUID.randomUUID()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (events.size() < atLeast && System.nanoTime() < deadline) {
                for (HydraEvent e : consumer.poll(Duration.ofMillis(500))) {
                    if (e.subject().equals(subject)) {
                        events.add(e);
                    }
                }
            }
        }
        return events;
    }

    private static List<String> types(List<HydraEvent> events) {
        return events.stream().map(HydraEvent::type).distinct().toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"structured", "binary"})
    void eachLifecycleChangeIsOneEventInOrder(String mode) throws Exception {
        String topic = mode.equals("structured") ? "hydra.events" : "hydra.binary";
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("kafka-" + mode, "hydra.kafka="
                + broker.bootstrapServers(), "hydra.events.topic=" + topic, "hydra.events.mode=" + mode).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "e", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            String id = daemon.inspect("e").get("id").asText();
            daemon.ok("pause", "e");
            daemon.ok("resume", "e");
            daemon.ok("kill", "e");
            daemon.hydra("wait", "e");
            daemon.ok("rm", "e");
            List<HydraEvent> events = readAll(topic, id, 6);
            assertEquals(List.of("io.hydra.container.created", "io.hydra.container.started",
                    "io.hydra.container.paused", "io.hydra.container.resumed", "io.hydra.container.exited",
                    "io.hydra.container.removed"), types(events));
            HydraEvent exited = events.stream().filter(e -> e.type().endsWith("exited")).findFirst().orElseThrow();
            assertEquals(137, exited.exitCode().orElseThrow());
            assertTrue(exited.source().startsWith("hydra://"));
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20),
                    () -> daemon.ok("info").json().get("outboxBacklog").asLong() == 0, "the outbox to drain");
        }
    }

    @Test
    void nothingIsLostWhileTheBrokerOrTheDaemonIsDown() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("kafka-outage", "hydra.kafka="
                + broker.bootstrapServers()).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "a", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            String a = daemon.inspect("a").get("id").asText();

            broker.stop();
            daemon.ok("pause", "a");
            daemon.ok("resume", "a");
            daemon.ok("run", "-d", "--name", "b", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            String b = daemon.inspect("b").get("id").asText();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> daemon.ok("info").json().get("events")
                    .has("lastError"), "the publisher to notice the outage");
            assertTrue(daemon.ok("info").json().get("outboxBacklog").asLong() >= 4);

            // state changed and the daemon dies before it could publish
            daemon.ok("kill", "b");
            daemon.hydra("wait", "b");
            daemon.kill9();
            broker.start();
            daemon.start();

            List<HydraEvent> forA = readAll("hydra.events", a, 4);
            assertEquals(List.of("io.hydra.container.created", "io.hydra.container.started",
                    "io.hydra.container.paused", "io.hydra.container.resumed"), types(forA));
            List<HydraEvent> forB = readAll("hydra.events", b, 3);
            assertEquals(List.of("io.hydra.container.created", "io.hydra.container.started",
                    "io.hydra.container.exited"), types(forB));
            // duplicates are allowed (at-least-once), gaps are not: ids repeat only as whole duplicates
            assertEquals(forB.stream().map(HydraEvent::id).distinct().count(), types(forB).size());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30),
                    () -> daemon.ok("info").json().get("outboxBacklog").asLong() == 0, "the outbox to drain");
            daemon.ok("rm", "-f", "a");
            daemon.ok("rm", "b");
        }
    }

    @Test
    void badKafkaSettingsLeaveTheDaemonWorkingAndSayWhy() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("kafka-bad", "hydra.kafka=127.0.0.1:1").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "x", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> daemon.ok("info").json().get("events")
                    .has("lastError"), "an error about the unreachable broker");
            JsonNode info = daemon.ok("info").json();
            assertTrue(info.get("events").get("lastError").asText().contains("127.0.0.1:1"), info.toString());
            assertTrue(info.get("outboxBacklog").asLong() >= 2);
            daemon.ok("rm", "-f", "x");
        }
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("kafka-notopic", "hydra.kafka="
                + broker.bootstrapServers(), "hydra.events.topic=no.such.topic").start()) {
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> daemon.ok("info").json().get("events")
                    .path("lastError").asText().contains("does not exist"), "an error naming the missing topic");
        }
        try (HydraDaemonProcess probe = new HydraDaemonProcess("kafka-invalid")) {
            HydraDaemonProcess.Result refused = probe.runDaemonExpectingFailure(List.of("hydra.kafka=127.0.0.1:9",
                    "hydra.events.mode=telepathic"));
            assertEquals(1, refused.code());
            assertTrue(refused.out().contains("Kafka settings"), refused.out());
        }
    }

    @Test
    void theExampleAutomationRestoresAProtectedContainerThatFailed() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("kafka-automation", "hydra.kafka="
                + broker.bootstrapServers()).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            Memhog.installInto(rootfs);
            daemon.ok("run", "-d", "--name", "guarded", "--rootfs", rootfs.toString(), "--", "memhog", "8", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Memhog.lastRound(daemon, "guarded") >= 3,
                    "counting");
            daemon.ok("checkpoint", "--leave-running", "guarded");

            List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
            try (io.hydra.events.example.GrpcRestorer restorer =
                         io.hydra.events.example.GrpcRestorer.connect("unix://" + daemon.socket);
                 HydraEventConsumer consumer = new HydraEventConsumer(new ConsumerSettings(broker.bootstrapServers(),
                         "hydra.events", "automation-" + UUID.randomUUID()))) {
                var automation = new io.hydra.events.example.RestoreOnFailure(restorer);
                Thread loop = new Thread(() -> consumer.run(e -> automation.handle(e).ifPresent(log::add)));
                loop.start();
                daemon.ok("kill", "guarded");
                HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> !log.isEmpty(), "the automation to act");
                consumer.stop();
                loop.join(10_000);
            }
            assertTrue(log.get(0).startsWith("restored container guarded"), log.toString());
            assertEquals("running", daemon.status("guarded"));
            long now = Memhog.lastRound(daemon, "guarded");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Memhog.lastRound(daemon, "guarded") > now,
                    "the restored container to count on");
            daemon.ok("rm", "-f", "guarded");
        }
    }
}
