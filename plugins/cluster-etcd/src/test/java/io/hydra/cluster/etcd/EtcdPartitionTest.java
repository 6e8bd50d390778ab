package io.hydra.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.MemberEvent;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.cluster.testing.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watcher cut off from etcd while the cluster changes learns every change once it is back, each exactly once. */
class EtcdPartitionTest {
    @TempDir
    Path temp;

    @Test
    void aWatcherCutOffWhileMembersChangeReportsEachChangeOnceWhenBack() throws Exception {
        try (EtcdServer etcd = EtcdServer.start(); CuttableProxy proxy = new CuttableProxy(etcd.host(), etcd.clientPort())) {
            String prefix = EtcdTesting.freshPrefix();
            Map<String, String> direct = EtcdTesting.settings(etcd, prefix);
            Map<String, String> viaProxy = new HashMap<>(direct);
            viaProxy.put("endpoints", proxy.endpoint());
            try (Coordinator observer = EtcdTesting.coordinator(viaProxy, dir("o"));
                 Coordinator c1 = EtcdTesting.coordinator(direct, dir("n1"));
                 Coordinator c2 = EtcdTesting.coordinator(direct, dir("n2"));
                 Coordinator c3 = EtcdTesting.coordinator(direct, dir("n3"))) {
                Membership n1 = c1.join("n1", "a");
                Membership n2 = c2.join("n2", "b");
                Membership n3 = null;
                try {
                    BlockingQueue<MemberEvent> events = new LinkedBlockingQueue<>();
                    Subscription watch = observer.watchMembers(events::add);
                    assertEquals(Set.of(new MemberEvent(MemberEvent.Kind.JOINED, "n1", "a"),
                            new MemberEvent(MemberEvent.Kind.JOINED, "n2", "b")), take(events, 2));

                    proxy.cut();
                    n2.leave();
                    n3 = c3.join("n3", "c");
                    n1.update("a2");
                    assertNull(events.poll(1500, TimeUnit.MILLISECONDS), "the cut-off watcher cannot know yet");

                    proxy.restore();
                    assertEquals(Set.of(new MemberEvent(MemberEvent.Kind.LEFT, "n2", ""),
                            new MemberEvent(MemberEvent.Kind.JOINED, "n3", "c"),
                            new MemberEvent(MemberEvent.Kind.JOINED, "n1", "a2")), take(events, 3));
                    assertNull(events.poll(3000, TimeUnit.MILLISECONDS), "a change reported twice");
                    watch.close();
                } finally {
                    n1.leave();
                    if (n3 != null) {
                        n3.leave();
                    }
                }
            }
        }
    }

    private Path dir(String name) throws Exception {
        return Files.createDirectories(temp.resolve(name));
    }

    private static Set<MemberEvent> take(BlockingQueue<MemberEvent> events, int n) throws InterruptedException {
        Set<MemberEvent> got = new HashSet<>();
        for (int i = 0; i < n; i++) {
            MemberEvent e = events.poll(30, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("only " + got + " within 30 s");
            }
            got.add(e);
        }
        assertEquals(n, got.size(), "an event twice: " + got);
        return got;
    }
}
