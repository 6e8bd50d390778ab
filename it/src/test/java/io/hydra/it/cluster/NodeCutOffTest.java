package io.hydra.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A node cut off (its veth down) with its daemon alive: it cannot renew its lease, so it freezes its protected
 * container before the cluster may restore it elsewhere. Read from the container's own output, stamped by each node's monitor with the
 * machine's one wall clock: the stale copy's last line comes before the new copy's first (two live copies would
 * interleave). After the link heals, the stale copy is removed and the moved one keeps running.
 */
class NodeCutOffTest {
    @Test
    void aCutOffNodeFreezesItsCopyBeforeTheNewOneStartsAndRemovesItAfterTheHeal() throws Exception {
        try (Cluster cluster = Cluster.create("cut-off", 3).startAll()) {
            ClusterNode a = cluster.node(1);
            String id = Protected.counter(cluster, a, "fenced", "1s");
            Protected.awaitVersions(a, "fenced", 2);

            a.namespace().cut();
            ClusterNode b = Protected.awaitRunningElsewhere(cluster, "fenced", a, Duration.ofSeconds(20));
            assertEquals("paused", Protected.runcStatus(a, id), "the stale copy is frozen while cut off"
                    + cluster.diagnostics());
            assertEquals(1, Protected.liveCopies(cluster, id), "one running copy");

            // the new copy has printed a few lines: compare both copies' output on the shared clock
            Shell.await(Duration.ofSeconds(10), "the moved copy printing",
                    () -> Counter.stampedTicks(b.stampedLogs("fenced")).size() >= 5);
            List<Counter.Tick> stale = Counter.stampedTicks(a.stampedLogs("fenced"));
            List<Counter.Tick> moved = Counter.stampedTicks(b.stampedLogs("fenced"));
            Counter.Tick lastStale = stale.get(stale.size() - 1);
            Counter.Tick firstMoved = moved.get(0);
            assertTrue(lastStale.at() < firstMoved.at(), "the stale copy stopped (" + lastStale
                    + ") before the moved one started (" + firstMoved + ")");
            for (int i = 1; i < moved.size(); i++) {
                assertTrue(moved.get(i).at() > lastStale.at(), "no interleaving: " + moved.get(i));
            }

            a.namespace().heal();
            Shell.await(Duration.ofSeconds(20), "the stale copy removed from " + a.id + " after the heal",
                    () -> Protected.runcStatus(a, id).equals("absent"));
            // A no longer claims it: its inspect names the new owner, or knows it no more
            Shell.await(Duration.ofSeconds(10), a.id + " no longer claims the container", () -> {
                ClusterNode.Result r = a.hydra("inspect", "fenced");
                return r.code() != 0 || r.json().path("node").asText().equals(b.id);
            });
            long sofar = Counter.last(Counter.ticks(b.logs("fenced")));
            Shell.await(Duration.ofSeconds(10), "the moved copy counting on after the heal",
                    () -> Counter.last(Counter.ticks(b.logs("fenced"))) > sofar + 5);
            assertEquals("running", b.inspect("fenced").get("status").asText());
            assertEquals(1, Protected.liveCopies(cluster, id));
            assertFalse(cluster.events("io.hydra.container.failed-over").isEmpty());
        }
    }
}
