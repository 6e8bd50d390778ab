package io.hydra.runtime.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.hydra.events.HydraEvent;
import io.hydra.events.outbox.Outbox;

/**
 * The daemon's durable state: container records and the event outbox, in one SQLite database (WAL, synchronous
 * FULL), so that a state change and the events it causes commit in one transaction or not at all, whenever the
 * daemon is killed. Reads are served from memory; every write goes to disk before the memory copy changes.
 */
public final class StateStore implements Outbox, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final Connection db;
    private final Map<String, ContainerRecord> byId = new ConcurrentHashMap<>();
    private final Map<String, String> idByName = new ConcurrentHashMap<>();
    private final Object eventsAppended = new Object();
    private volatile long lastSequence;

    public StateStore(Path file) {
        try {
            Files.createDirectories(file.getParent());
            db = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                        + " record TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS intents (container_id TEXT PRIMARY KEY, intent TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS policies (container_id TEXT PRIMARY KEY, policy TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, source TEXT NOT NULL, subject TEXT NOT NULL,"
                        + " time TEXT NOT NULL, data TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0)");
            }
            db.setAutoCommit(false);
            db.commit();
            load();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot open the state database " + file + ": " + e.getMessage(), e);
        }
    }

    private final Map<String, CheckpointPolicy> policies = new ConcurrentHashMap<>();
    private final Map<String, Intent> intents = new ConcurrentHashMap<>();

    private void load() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT intent FROM intents")) {
            while (rs.next()) {
                try {
                    Intent i = JSON.readValue(rs.getString(1), Intent.class);
                    intents.put(i.containerId(), i);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("unreadable intent: " + e.getMessage(), e);
                }
            }
        }
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT policy FROM policies")) {
            while (rs.next()) {
                try {
                    CheckpointPolicy p = JSON.readValue(rs.getString(1), CheckpointPolicy.class);
                    policies.put(p.containerId(), p);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("unreadable checkpoint policy: " + e.getMessage(), e);
                }
            }
        }
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT record FROM containers")) {
            while (rs.next()) {
                ContainerRecord r = fromJson(rs.getString(1));
                byId.put(r.id(), r);
                idByName.put(r.name(), r.id());
            }
        }
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM events")) {
            lastSequence = rs.next() ? rs.getLong(1) : 0;
        }
    }

    public Optional<ContainerRecord> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Optional<ContainerRecord> byName(String name) {
        String id = idByName.get(name);
        return id == null ? Optional.empty() : byId(id);
    }

    public Collection<ContainerRecord> all() {
        return List.copyOf(byId.values());
    }

    public Collection<CheckpointPolicy> policies() {
        return List.copyOf(policies.values());
    }

    /** Changes under way that a crash interrupted (or that run now). */
    public Collection<Intent> intents() {
        return List.copyOf(intents.values());
    }

    public Optional<Intent> intent(String containerId) {
        return Optional.ofNullable(intents.get(containerId));
    }

    public Optional<CheckpointPolicy> policy(String containerId) {
        return Optional.ofNullable(policies.get(containerId));
    }

    /** Writes (or with {@code null}, removes) a container's checkpoint policy. */
    public synchronized void putPolicy(String containerId, CheckpointPolicy policy) {
        try {
            if (policy == null) {
                try (PreparedStatement p = db.prepareStatement("DELETE FROM policies WHERE container_id = ?")) {
                    p.setString(1, containerId);
                    p.executeUpdate();
                }
            } else {
                try (PreparedStatement p = db.prepareStatement("INSERT INTO policies (container_id, policy) VALUES (?, ?)"
                        + " ON CONFLICT(container_id) DO UPDATE SET policy = excluded.policy")) {
                    p.setString(1, containerId);
                    p.setString(2, JSON.writeValueAsString(policy));
                    p.executeUpdate();
                }
            }
            db.commit();
        } catch (SQLException | JsonProcessingException e) {
            rollbackQuietly();
            throw new IllegalStateException("policy write failed: " + e.getMessage(), e);
        }
        if (policy == null) {
            policies.remove(containerId);
        } else {
            policies.put(containerId, policy);
        }
    }

    /**
     * One atomic change: records to write, ids to delete, events to append to the outbox, intents to write and
     * intents to settle (by container id). Deleting a container settles its intent too. {@code settleOwn} settles a
     * container's intent only while it is still that very intent (same kind, time and image): an operation that
     * ends after another one replaced its intent must not erase the other's.
     */
    public record Change(List<ContainerRecord> put, List<String> delete, List<HydraEvent> events, List<Intent> intents,
                         List<String> settle, List<Intent> settleOwn) {
        public Change {
            put = List.copyOf(put);
            delete = List.copyOf(delete);
            events = List.copyOf(events);
            intents = List.copyOf(intents);
            settle = List.copyOf(settle);
            settleOwn = List.copyOf(settleOwn);
        }

        public Change(List<ContainerRecord> put, List<String> delete, List<HydraEvent> events, List<Intent> intents,
                      List<String> settle) {
            this(put, delete, events, intents, settle, List.of());
        }

        public Change(List<ContainerRecord> put, List<String> delete, List<HydraEvent> events) {
            this(put, delete, events, List.of(), List.of());
        }

        public static Change put(ContainerRecord record, HydraEvent... events) {
            return new Change(List.of(record), List.of(), List.of(events));
        }

        public static Change delete(String id, HydraEvent... events) {
            return new Change(List.of(), List.of(id), List.of(events));
        }

        public static Change events(HydraEvent... events) {
            return new Change(List.of(), List.of(), List.of(events));
        }

        /** Settles the intent of {@code containerId} and changes nothing else. */
        public static Change settled(String containerId) {
            return new Change(List.of(), List.of(), List.of(), List.of(), List.of(containerId));
        }

        public static Change intent(Intent intent) {
            return new Change(List.of(), List.of(), List.of(), List.of(intent), List.of());
        }

        /** This change also settles the intent of {@code containerId}. */
        public Change settling(String containerId) {
            List<String> s = new ArrayList<>(settle);
            s.add(containerId);
            return new Change(put, delete, events, intents, s, settleOwn);
        }

        /** Settles {@code own} if it is still the container's intent, and changes nothing else. */
        public static Change settlingOwnOnly(Intent own) {
            return new Change(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(own));
        }

        /** This change also settles {@code own}, if it is still the container's intent. */
        public Change settlingOwn(Intent own) {
            List<Intent> s = new ArrayList<>(settleOwn);
            s.add(own);
            return new Change(put, delete, events, intents, settle, s);
        }

        /** This change also writes {@code intent}. */
        public Change with(Intent intent) {
            List<Intent> i = new ArrayList<>(intents);
            i.add(intent);
            return new Change(put, delete, events, i, settle, settleOwn);
        }
    }

    /** True when {@code intent} is still the one open for its container. */
    public synchronized boolean stillOpen(Intent intent) {
        Intent now = intents.get(intent.containerId());
        return now != null && now.kind() == intent.kind() && now.at().equals(intent.at())
                && java.util.Objects.equals(now.get(Intent.IMAGE), intent.get(Intent.IMAGE));
    }

    public synchronized void commit(Change change) {
        List<String> ownStillOpen = change.settleOwn().stream().filter(this::stillOpen).map(Intent::containerId)
                .toList();
        try {
            for (ContainerRecord r : change.put()) {
                try (PreparedStatement p = db.prepareStatement(
                        "INSERT INTO containers (id, name, record) VALUES (?, ?, ?)"
                                + " ON CONFLICT(id) DO UPDATE SET name = excluded.name, record = excluded.record")) {
                    p.setString(1, r.id());
                    p.setString(2, r.name());
                    p.setString(3, JSON.writeValueAsString(r));
                    p.executeUpdate();
                }
            }
            List<String> settled = new ArrayList<>(change.settle());
            settled.addAll(change.delete());
            settled.addAll(ownStillOpen);
            for (String id : settled) {
                try (PreparedStatement p = db.prepareStatement("DELETE FROM intents WHERE container_id = ?")) {
                    p.setString(1, id);
                    p.executeUpdate();
                }
            }
            for (Intent i : change.intents()) {
                try (PreparedStatement p = db.prepareStatement("INSERT INTO intents (container_id, intent) VALUES (?, ?)"
                        + " ON CONFLICT(container_id) DO UPDATE SET intent = excluded.intent")) {
                    p.setString(1, i.containerId());
                    p.setString(2, JSON.writeValueAsString(i));
                    p.executeUpdate();
                }
            }
            for (String id : change.delete()) {
                try (PreparedStatement p = db.prepareStatement("DELETE FROM containers WHERE id = ?")) {
                    p.setString(1, id);
                    p.executeUpdate();
                }
                try (PreparedStatement p = db.prepareStatement("DELETE FROM policies WHERE container_id = ?")) {
                    p.setString(1, id);
                    p.executeUpdate();
                }
            }
            for (HydraEvent e : change.events()) {
                try (PreparedStatement p = db.prepareStatement(
                        "INSERT INTO events (id, type, source, subject, time, data) VALUES (?, ?, ?, ?, ?, ?)")) {
                    p.setString(1, e.id());
                    p.setString(2, e.type());
                    p.setString(3, e.source());
                    p.setString(4, e.subject());
                    p.setString(5, e.time().toString());
                    p.setString(6, JSON.writeValueAsString(e.data()));
                    p.executeUpdate();
                }
            }
            db.commit();
        } catch (SQLException | JsonProcessingException e) {
            rollbackQuietly();
            throw new IllegalStateException("state write failed: " + e.getMessage(), e);
        }
        change.settle().forEach(intents::remove);
        ownStillOpen.forEach(intents::remove);
        change.delete().forEach(intents::remove);
        for (Intent i : change.intents()) {
            intents.put(i.containerId(), i);
        }
        for (String id : change.delete()) {
            policies.remove(id);
            ContainerRecord old = byId.remove(id);
            if (old != null) {
                idByName.remove(old.name(), id);
            }
        }
        for (ContainerRecord r : change.put()) {
            ContainerRecord old = byId.put(r.id(), r);
            if (old != null && !old.name().equals(r.name())) {
                idByName.remove(old.name(), r.id());
            }
            idByName.put(r.name(), r.id());
        }
        if (!change.events().isEmpty()) {
            lastSequence += change.events().size();
            synchronized (eventsAppended) {
                eventsAppended.notifyAll();
            }
        }
    }

    private void rollbackQuietly() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the next commit reports it
        }
    }

    /** Events with a sequence above {@code after}, oldest first, at most {@code limit}. */
    public synchronized List<HydraEvent> eventsAfter(long after, int limit) {
        return queryEvents("WHERE seq > ? ORDER BY seq LIMIT ?", p -> {
            p.setLong(1, after);
            p.setInt(2, limit);
        });
    }

    private interface Parameters {
        void bind(PreparedStatement statement) throws SQLException;
    }

    private List<HydraEvent> queryEvents(String condition, Parameters parameters) {
        List<HydraEvent> out = new ArrayList<>();
        try (PreparedStatement p = db.prepareStatement(
                "SELECT seq, id, type, source, subject, time, data FROM events " + condition)) {
            parameters.bind(p);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new HydraEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), Instant.parse(rs.getString(6)), JSON.readValue(rs.getString(7), MAP)));
                }
            }
            return out;
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot read events: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized List<HydraEvent> unpublished(int max) {
        return queryEvents("WHERE published = 0 ORDER BY seq LIMIT ?", p -> p.setInt(1, max));
    }

    @Override
    public synchronized void markPublished(List<Long> sequences) {
        try (PreparedStatement p = db.prepareStatement("UPDATE events SET published = 1 WHERE seq = ?")) {
            for (long seq : sequences) {
                p.setLong(1, seq);
                p.addBatch();
            }
            p.executeBatch();
            db.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw new IllegalStateException("cannot mark events published: " + e.getMessage(), e);
        }
    }

    /**
     * Keeps the newest {@code keep} events. With {@code onlyPublished}, an event Kafka has not acknowledged is never
     * dropped, however old; without a publisher nothing would ever be acknowledged, so age alone decides.
     */
    public synchronized int prune(long keep, boolean onlyPublished) {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM events WHERE seq <= ?"
                + (onlyPublished ? " AND published = 1" : ""))) {
            p.setLong(1, lastSequence - keep);
            int removed = p.executeUpdate();
            db.commit();
            return removed;
        } catch (SQLException e) {
            rollbackQuietly();
            throw new IllegalStateException("cannot prune events: " + e.getMessage(), e);
        }
    }

    @Override
    public long backlog() {
        return unpublishedEvents();
    }

    /** Events not yet acknowledged by an external publisher (Kafka). */
    public synchronized long unpublishedEvents() {
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events WHERE published = 0")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }

    public long lastSequence() {
        return lastSequence;
    }

    /** Blocks until an event after {@code sequence} exists or the timeout passes. */
    @Override
    public void awaitEventAfter(long sequence, long timeoutMillis) throws InterruptedException {
        synchronized (eventsAppended) {
            if (lastSequence <= sequence) {
                eventsAppended.wait(timeoutMillis);
            }
        }
    }

    private static ContainerRecord fromJson(String json) {
        try {
            return JSON.readValue(json, ContainerRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable container record: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing on the way out
        }
    }
}
