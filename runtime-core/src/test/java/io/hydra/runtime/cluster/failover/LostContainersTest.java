package io.hydra.runtime.cluster.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;

/** inspect and rm of containers that run nowhere, over a real etcd. */
class LostContainersTest {
    private final EtcdCluster cluster = new EtcdCluster();
    private final List<HydraEvent> events = new CopyOnWriteArrayList<>();
    private Ownerships owners;
    private LostContainers lost;

    @BeforeEach
    void join() {
        // not in a field initializer: a failing join must still reach the clean-up
        owners = new Ownerships(cluster.join("b", Map.of()).coordinator());
        lost = new LostContainers(owners, events::add, "b");
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private void record(String id, String name, State state) {
        owners.create(new OwnershipRecord(id, name, "a", 2, state, true, 2000, 3, Map.of(), 0, 0, "", "", "amd64",
                "4.2", "", Instant.now(), 0, state == State.LOST ? "node a lost; no node can take it: b: no label"
                : "", Instant.now()));
    }

    @Test
    void aLostContainerIsFoundByNameIdOrUniquePrefixAndARunningOneIsNot() {
        record("abcd1111", "web", State.LOST);
        record("abcd2222", "db", State.LOST);
        record("ffff0000", "cache", State.RUNNING);

        assertEquals("abcd1111", lost.find("web").orElseThrow().record().containerId());
        assertEquals("abcd2222", lost.find("abcd2222").orElseThrow().record().containerId());
        assertEquals("abcd2222", lost.find("abcd2").orElseThrow().record().containerId());
        assertEquals(Optional.empty(), lost.find("cache"), "it runs somewhere: that node answers for it");
        assertEquals(Optional.empty(), lost.find("abc"), "a prefix is at least 4 characters");
        HydraException ambiguous = assertThrows(HydraException.class, () -> lost.find("abcd"));
        assertEquals(HydraException.Kind.INVALID, ambiguous.kind());
        assertTrue(ambiguous.getMessage().contains("abcd1111 (web), abcd2222 (db)"), ambiguous.getMessage());
    }

    @Test
    void rmOfALostContainerDeletesItsRecordAndSaysSo() {
        record("abcd1111", "web", State.LOST);
        assertEquals("abcd1111", lost.forget("web"));
        assertEquals(Optional.empty(), owners.get("abcd1111"));
        assertEquals(1, events.size());
        assertEquals(EventType.CONTAINER_REMOVED, events.get(0).type());
        assertEquals("abcd1111", events.get(0).subject());

        HydraException again = assertThrows(HydraException.class, () -> lost.forget("web"));
        assertEquals(HydraException.Kind.NOT_FOUND, again.kind());
        assertEquals("no such container: web", again.getMessage());
    }
}
