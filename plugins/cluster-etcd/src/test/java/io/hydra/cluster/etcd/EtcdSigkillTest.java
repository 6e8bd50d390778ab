package io.hydra.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.Member;
import io.hydra.spi.cluster.MemberEvent;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.cluster.testing.EtcdServer;
import io.hydra.spi.monitor.ProcessIdentity;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A daemon process SIGKILLed right after joining: its node stays live, and the next daemon adopts its lease. */
class EtcdSigkillTest {
    @TempDir
    Path temp;

    @Test
    void aSigkilledDaemonLeavesItsNodeAliveForTheNextOneToAdopt() throws Exception {
        try (EtcdServer etcd = EtcdServer.start()) {
            String prefix = EtcdTesting.freshPrefix();
            Map<String, String> settings = EtcdTesting.settings(etcd, prefix);
            Path state = Files.createDirectories(temp.resolve("n1"));
            try (Coordinator observer = EtcdTesting.coordinator(settings, Files.createDirectories(temp.resolve("o")))) {
                BlockingQueue<MemberEvent> events = new LinkedBlockingQueue<>();
                Subscription watch = observer.watchMembers(events::add);

                Process daemon = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), JoinAndWait.class.getName(),
                        etcd.host() + ":" + etcd.clientPort(), prefix, state.toString(), "n1")
                        .redirectErrorStream(true).start();
                String line;
                try (BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    do {
                        line = out.readLine();
                    } while (line != null && !line.startsWith("joined "));
                    assertTrue(line != null, "the child daemon never joined");
                    assertTrue(line.endsWith("rejoined=false"), line);
                } finally {
                    daemon.destroyForcibly(); // SIGKILL
                    assertTrue(daemon.waitFor(10, TimeUnit.SECONDS));
                }
                long lease = Long.parseUnsignedLong(line.split(" ")[1], 16);
                assertEquals(new MemberEvent(MemberEvent.Kind.JOINED, "n1", "from-child"), events.poll(10, TimeUnit.SECONDS));
                assertNull(events.poll(6, TimeUnit.SECONDS), "a SIGKILLed daemon must not look like a lost node");
                assertEquals(List.of(new Member("n1", "from-child")), observer.liveMembers());

                ProcessIdentity keeper = KeeperState.read(state).orElseThrow().keeper().orElseThrow();
                assertTrue(keeper.isAlive(), "the keeper outlives the SIGKILLed daemon");
                try (Coordinator next = EtcdTesting.coordinator(settings, state)) {
                    Membership m = next.join("n1", "restarted");
                    assertFalse(m.rejoined());
                    assertEquals(lease, EtcdTesting.leaseId(m));
                    assertEquals(keeper, EtcdTesting.keeper(m));
                    m.leave();
                } finally {
                    EtcdTesting.killKeeper(keeper);
                }
                watch.close();
            }
        }
    }
}
