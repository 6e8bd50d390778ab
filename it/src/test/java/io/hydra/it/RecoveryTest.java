package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The point of the product: SIGKILL the daemon, change the world while it is down, restart, find it all. */
class RecoveryTest {

    @Test
    void sigkilledDaemonRecoversRunningAndExitedContainersOfBothStrategies() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("recovery").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            for (String m : List.of("eager", "lazy")) {
                daemon.ok("run", "-d", "--name", "long-" + m, "--monitor", m, "--rootfs", rootfs.toString(), "--",
                        "sleep", "1000");
                // exits with 7 once the test drops its trigger file into the shared rootfs
                daemon.ok("run", "-d", "--name", "seven-" + m, "--monitor", m, "--rootfs", rootfs.toString(), "--",
                        "sh", "-c", "while [ ! -f /tmp/go-" + m + " ]; do sleep 0.05; done; exit 7");
                daemon.ok("run", "-d", "--name", "signal-" + m, "--monitor", m, "--rootfs", rootfs.toString(), "--",
                        "sleep", "1000");
            }
            List<String> ids = new ArrayList<>();
            for (String name : List.of("long-eager", "long-lazy", "seven-eager", "seven-lazy", "signal-eager",
                    "signal-lazy")) {
                ids.add(daemon.inspect(name).get("id").asText());
            }
            int longEagerPid = daemon.inspect("long-eager").get("pid").asInt();
            int longLazyPid = daemon.inspect("long-lazy").get("pid").asInt();

            daemon.kill9();

            for (String m : List.of("eager", "lazy")) {
                Files.writeString(rootfs.resolve("tmp/go-" + m), "go");
                daemon.runc("kill", ids.get(m.equals("eager") ? 4 : 5), "KILL");
            }
            for (int i = 2; i < 6; i++) {
                // each monitor strategy keeps conmon's exit files in its own plugin directory
                String monitor = i % 2 == 0 ? "eager" : "lazy";
                Path exitFile = daemon.root.resolve("plugins/monitor").resolve(monitor).resolve("exits")
                        .resolve(ids.get(i));
                HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Files.exists(exitFile),
                        "conmon to record the exit of " + ids.get(i) + " while the daemon is down");
            }

            daemon.start();

            for (String m : List.of("eager", "lazy")) {
                JsonNode running = daemon.inspect("long-" + m);
                assertEquals("running", running.get("status").asText(), m);
                assertFalse(running.get("monitorIsChild").asBoolean(), "after a restart no monitor is our child");
                JsonNode seven = daemon.inspect("seven-" + m);
                assertEquals("exited", seven.get("status").asText());
                assertEquals(7, seven.get("exitCode").asInt());
                JsonNode signalled = daemon.inspect("signal-" + m);
                assertEquals("exited", signalled.get("status").asText());
                assertEquals(137, signalled.get("exitCode").asInt());
                assertEquals("SIGKILL", signalled.get("signal").asText());
            }
            assertEquals(longEagerPid, daemon.inspect("long-eager").get("pid").asInt(), "never restarted");
            assertEquals(longLazyPid, daemon.inspect("long-lazy").get("pid").asInt(), "never restarted");

            // the exits that happened while the daemon was down are in the stream, once each
            List<JsonNode> events = new ArrayList<>();
            for (String line : daemon.ok("events", "--format", "json").out().split("\n")) {
                if (!line.isBlank()) {
                    events.add(HydraDaemonProcess.JSON.readTree(line));
                }
            }
            for (int i = 2; i < 6; i++) {
                String id = ids.get(i);
                long exited = events.stream().filter(e -> e.get("type").asText().equals("io.hydra.container.exited")
                        && e.get("subject").asText().equals(id)).count();
                assertEquals(1, exited, "one exited event for " + id);
            }
            assertEquals(events.size(), events.stream().map(e -> e.get("id").asText()).distinct().count(),
                    "event ids are unique");
            assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("io.hydra.daemon.recovered")
                    && e.get("data").get("exitedWhileDown").asInt() == 4));

            // and the survivors are controllable again
            for (String m : List.of("eager", "lazy")) {
                assertEquals(0, daemon.hydra("exec", "long-" + m, "--", "true").code());
                daemon.ok("stop", "-t", "1", "long-" + m);
                assertEquals("exited", daemon.status("long-" + m));
            }

            // a second SIGKILL and restart does not record those exits again
            daemon.kill9();
            daemon.start();
            long exitedEvents = daemon.ok("events", "--type", "io.hydra.container.exited").out().lines().count();
            assertEquals(6, exitedEvents);
        }
    }
}
