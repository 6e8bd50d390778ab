package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.hydra.spi.storage.BlobInfo;

/**
 * Which chunks committed manifests already reference, and where they are (the dedup table), and which packs every
 * manifest references (what garbage collection must keep): an SQLite file under the daemon's root, so the heap holds
 * none of it whatever the store holds.
 *
 * <p>The store is the truth and this file only a cache of it: {@link #startListing} compares it with a listing of the
 * store's manifests (name, length, modification time) and says which to read again; a file that is missing, damaged,
 * of another format, or built for another store or MAC key is emptied and rebuilt from the store. A chunk place is
 * only recorded from an authentic manifest, so a new version never points at a location a forged manifest made up;
 * and a place it answers is still checked against the store before a version relies on it (see
 * {@link CheckpointRepository}), so a lying or stale index costs an upload, never a version referring to a missing
 * chunk.
 *
 * <p>Only committed manifests count, so a new version never depends on a pack an unfinished upload wrote and may
 * still abandon. A place is kept once however many manifests share it, and counts while any recorded manifest
 * references its pack: garbage collection deletes only packs no manifest references, so the bytes are there, and a
 * deleted version's places go with the last reference to their pack.
 *
 * <p>Thread-safe: one connection, every method synchronized (lookups take microseconds; uploads look up once per
 * chunk).
 */
final class ChunkIndex implements AutoCloseable {
    /** Bump when the schema or what is recorded changes: an older file is rebuilt, never misread. */
    static final String FORMAT = "2";

    private static final int AUTHENTIC = 0;
    private static final int NOT_AUTHENTIC = 1;
    private static final int UNREADABLE = 2;
    private static final HexFormat HEX = HexFormat.of();

    private final Path file;
    private final Connection db;
    /** Depth of {@link #beginBulk} calls; a transaction is open while it is above zero. */
    private int bulk;
    private PreparedStatement findStatement;
    /** Open between {@link #startListing} and {@link #endListing}. */
    private PreparedStatement listedInsert;

    private ChunkIndex(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /**
     * Opens (creating it if needed) the index file for a store. {@code identity} says what the cached content
     * depends on (the store, the MAC key's fingerprint); a file recorded under another identity is emptied.
     */
    static ChunkIndex open(Path file, String identity) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
            return openOnce(file, identity);
        } catch (SQLException e) {
            // A cache that cannot be read is rebuilt from the store, the truth.
            deleteFiles(file);
            try {
                return openOnce(file, identity);
            } catch (SQLException again) {
                throw new IOException("cannot create the checkpoint chunk index " + file + ": " + again.getMessage(),
                        again);
            }
        }
    }

    private static ChunkIndex openOnce(Path file, String identity) throws SQLException {
        Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
        try {
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                // A cache: a crash may lose the last commits (the next reconcile reads them again), never consistency.
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("PRAGMA temp_store=FILE");
                s.execute("PRAGMA cache_size=-4096"); // 4 MiB of page cache, whatever the file holds
                s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS manifests(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                        + " length INTEGER NOT NULL, modified INTEGER NOT NULL, state INTEGER NOT NULL, problem TEXT)");
                s.execute("CREATE TABLE IF NOT EXISTS packs(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
                // One row per distinct place, however many manifests share it: versions of a container mostly
                // share their chunks, so this stays near the number of distinct chunks in the store.
                s.execute("CREATE TABLE IF NOT EXISTS places(sha BLOB NOT NULL, pack INTEGER NOT NULL,"
                        + " offset INTEGER NOT NULL, stored INTEGER NOT NULL, plain INTEGER NOT NULL,"
                        + " PRIMARY KEY(sha, pack, offset)) WITHOUT ROWID");
                s.execute("CREATE INDEX IF NOT EXISTS places_pack ON places(pack)");
                s.execute("CREATE TABLE IF NOT EXISTS manifest_packs(manifest INTEGER NOT NULL, pack INTEGER NOT NULL,"
                        + " PRIMARY KEY(manifest, pack)) WITHOUT ROWID");
                s.execute("CREATE INDEX IF NOT EXISTS manifest_packs_pack ON manifest_packs(pack)");
            }
            try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA quick_check")) {
                if (!r.next() || !"ok".equals(r.getString(1))) {
                    // A damaged file gets rebuilt.
                    throw new SQLException("integrity check failed: " + (r.isClosed() ? "no answer" : r.getString(1)));
                }
            }
            ChunkIndex index = new ChunkIndex(file, db);
            if (!identity.equals(index.meta("identity")) || !FORMAT.equals(index.meta("format"))) {
                index.clearAll();
                index.setMeta("format", FORMAT);
                index.setMeta("identity", identity);
            }
            return index;
        } catch (SQLException | RuntimeException e) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // Already failing.
            }
            throw e;
        }
    }

    /**
     * A known place of a chunk with this SHA-256 (lowercase hex): recorded from an authentic manifest, in a pack
     * that some recorded manifest still references. A place outlives the manifest it came from while its pack is
     * referenced, because garbage collection keeps such packs whole, so its bytes are still there.
     */
    synchronized Optional<ChunkRef> find(String sha256) {
        try {
            if (findStatement == null) {
                // Prepared once: uploads look up every chunk.
                findStatement = db.prepareStatement("SELECT k.name, p.offset, p.stored, p.plain FROM places p"
                        + " JOIN packs k ON k.id = p.pack WHERE p.sha = ? AND EXISTS (SELECT 1 FROM manifest_packs m"
                        + " WHERE m.pack = p.pack) LIMIT 1");
            }
            PreparedStatement q = findStatement;
            q.setBytes(1, HEX.parseHex(sha256));
            try (ResultSet r = q.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                return Optional.of(new ChunkRef(sha256, r.getInt(4), r.getString(1), r.getLong(2), r.getInt(3)));
            }
        } catch (SQLException e) {
            throw failure("look up a chunk", e);
        }
    }

    /**
     * Records a committed manifest as the store lists it: its packs always (garbage collection keeps them), its chunk
     * places only when {@code authentic}. Replaces what was recorded under the same name.
     */
    synchronized void add(String manifestName, long blobLength, Instant modified, Manifest manifest,
                          boolean authentic) {
        inTransaction(() -> {
            removeRows(manifestName);
            long id = insertManifest(manifestName, blobLength, modified, authentic ? AUTHENTIC : NOT_AUTHENTIC, null);
            Map<String, Long> packIds = new HashMap<>();
            Set<String> seen = new HashSet<>();
            try (PreparedStatement place = db.prepareStatement("INSERT OR IGNORE INTO places(sha, pack, offset,"
                    + " stored, plain) VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement uses = db.prepareStatement("INSERT OR IGNORE INTO manifest_packs(manifest, pack)"
                         + " VALUES (?, ?)")) {
                int batched = 0;
                for (ManifestFile file : manifest.files()) {
                    for (ChunkRef chunk : file.chunks()) {
                        Long pack = packIds.get(chunk.pack());
                        if (pack == null) {
                            pack = packId(chunk.pack());
                            packIds.put(chunk.pack(), pack);
                            uses.setLong(1, id);
                            uses.setLong(2, pack);
                            uses.executeUpdate();
                        }
                        if (!authentic || !seen.add(chunk.sha256() + '@' + chunk.pack() + '@' + chunk.offset())) {
                            continue;
                        }
                        place.setBytes(1, HEX.parseHex(chunk.sha256()));
                        place.setLong(2, pack);
                        place.setLong(3, chunk.offset());
                        place.setInt(4, chunk.storedLength());
                        place.setInt(5, chunk.plainLength());
                        place.addBatch();
                        if (++batched % 1000 == 0) {
                            place.executeBatch();
                        }
                    }
                }
                place.executeBatch();
            }
        }, "record manifest " + manifestName);
    }

    /** Records a manifest that does not parse: it references unknown packs, so garbage collection must stop. */
    synchronized void addUnreadable(String manifestName, long blobLength, Instant modified, String problem) {
        inTransaction(() -> {
            removeRows(manifestName);
            insertManifest(manifestName, blobLength, modified, UNREADABLE, problem);
        }, "record manifest " + manifestName);
    }

    /** Forgets a deleted manifest; unknown names are ignored. */
    synchronized void remove(String manifestName) {
        inTransaction(() -> removeRows(manifestName), "forget manifest " + manifestName);
    }

    /** Forgets every chunk place in these packs (found missing or short); which manifests reference them stays. */
    synchronized void forgetPacks(Set<String> packs) {
        inTransaction(() -> {
            try (PreparedStatement delete = db.prepareStatement("DELETE FROM places WHERE pack IN"
                    + " (SELECT id FROM packs WHERE name = ?)")) {
                for (String pack : packs) {
                    delete.setString(1, pack);
                    delete.executeUpdate();
                }
            }
        }, "forget packs");
    }

    /** A pack garbage collection deleted: no manifest referenced it. */
    synchronized void packDeleted(String pack) {
        inTransaction(() -> {
            try (PreparedStatement places = db.prepareStatement("DELETE FROM places WHERE pack IN"
                    + " (SELECT id FROM packs WHERE name = ?)");
                 PreparedStatement delete = db.prepareStatement("DELETE FROM packs WHERE name = ? AND NOT EXISTS"
                    + " (SELECT 1 FROM manifest_packs m WHERE m.pack = packs.id)")) {
                places.setString(1, pack);
                places.executeUpdate();
                delete.setString(1, pack);
                delete.executeUpdate();
            }
        }, "forget pack " + pack);
    }

    /** Whether any recorded manifest (authentic or not) references the pack. */
    synchronized boolean packReferenced(String pack) {
        try (PreparedStatement q = db.prepareStatement("SELECT 1 FROM manifest_packs m JOIN packs k ON k.id = m.pack"
                + " WHERE k.name = ? LIMIT 1")) {
            q.setString(1, pack);
            try (ResultSet r = q.executeQuery()) {
                return r.next();
            }
        } catch (SQLException e) {
            throw failure("look up a pack", e);
        }
    }

    /** Whether any manifest whose blob name starts with the prefix is recorded. */
    synchronized boolean anyManifest(String prefix) {
        try (PreparedStatement q = db.prepareStatement("SELECT 1 FROM manifests WHERE name >= ? AND name < ?"
                + " LIMIT 1")) {
            q.setString(1, prefix);
            q.setString(2, prefix + Character.MAX_VALUE);
            try (ResultSet r = q.executeQuery()) {
                return r.next();
            }
        } catch (SQLException e) {
            throw failure("look up manifests", e);
        }
    }

    /** Up to {@code limit} recorded manifests that do not parse, each "name: problem". */
    synchronized List<String> unreadable(int limit) {
        List<String> found = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT name, problem FROM manifests WHERE state = ?"
                + " ORDER BY name LIMIT ?")) {
            q.setInt(1, UNREADABLE);
            q.setInt(2, limit);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    found.add(r.getString(1) + ": " + r.getString(2));
                }
            }
        } catch (SQLException e) {
            throw failure("list unreadable manifests", e);
        }
        return found;
    }

    /**
     * Starts bringing the recorded manifests in line with a listing of the store's manifests, which is handed over
     * with {@link #listed} one blob at a time (kept in a temporary table, not on the heap). Then
     * {@link #dropUnlisted} forgets what the store no longer holds as recorded, {@link #toRead} pages through what
     * must be read, and {@link #endListing} frees the table. Modification times compare at whole seconds (S3 lists
     * milliseconds but answers a HEAD in seconds).
     */
    synchronized void startListing() {
        inTransaction(() -> {
            try (Statement s = db.createStatement()) {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS listed(name TEXT PRIMARY KEY, length INTEGER NOT NULL,"
                        + " modified INTEGER NOT NULL) WITHOUT ROWID");
                s.execute("DELETE FROM listed");
            }
        }, "start reconciling with the store");
    }

    /** One listed manifest; call inside {@link #beginBulk}, or each row is its own transaction. */
    synchronized void listed(BlobInfo info) {
        try {
            if (listedInsert == null) {
                listedInsert = db.prepareStatement("INSERT OR REPLACE INTO listed(name, length, modified)"
                        + " VALUES (?, ?, ?)");
            }
            listedInsert.setString(1, info.name());
            listedInsert.setLong(2, info.length());
            listedInsert.setLong(3, info.modified().getEpochSecond());
            listedInsert.executeUpdate();
        } catch (SQLException e) {
            throw failure("record the listing", e);
        }
    }

    /**
     * Forgets recorded manifests that are not listed, or listed with another length or modification time (replaced
     * behind this index's back); those are then read again.
     */
    synchronized void dropUnlisted() {
        String stale = "SELECT m.id FROM manifests m LEFT JOIN listed l ON l.name = m.name WHERE l.name IS NULL"
                + " OR l.length != m.length OR l.modified != m.modified";
        inTransaction(() -> {
            try (Statement s = db.createStatement()) {
                s.executeUpdate("DELETE FROM manifest_packs WHERE manifest IN (" + stale + ")");
                s.executeUpdate("DELETE FROM manifests WHERE id IN (" + stale + ")");
            }
        }, "forget manifests the store no longer holds");
    }

    /** Up to {@code limit} listed manifests not recorded, in name order after {@code after} (a page cursor). */
    synchronized List<BlobInfo> toRead(String after, int limit) {
        List<BlobInfo> page = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT l.name, l.length, l.modified FROM listed l"
                + " LEFT JOIN manifests m ON m.name = l.name WHERE m.name IS NULL AND l.name > ? ORDER BY l.name"
                + " LIMIT ?")) {
            q.setString(1, after);
            q.setInt(2, limit);
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    page.add(new BlobInfo(r.getString(1), r.getLong(2), Instant.ofEpochSecond(r.getLong(3))));
                }
            }
        } catch (SQLException e) {
            throw failure("page through the listing", e);
        }
        return page;
    }

    synchronized void endListing() {
        if (listedInsert != null) {
            try {
                listedInsert.close();
            } catch (SQLException e) {
                // Closing a statement of a cache.
            }
            listedInsert = null;
        }
        inTransaction(() -> {
            try (Statement s = db.createStatement()) {
                s.execute("DELETE FROM listed");
            }
        }, "end reconciling with the store");
    }

    private long insertManifest(String name, long length, Instant modified, int state, String problem)
            throws SQLException {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO manifests(name, length, modified, state,"
                + " problem) VALUES (?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, name);
            insert.setLong(2, length);
            insert.setLong(3, modified.getEpochSecond());
            insert.setInt(4, state);
            insert.setString(5, problem);
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    private long packId(String pack) throws SQLException {
        try (PreparedStatement insert = db.prepareStatement("INSERT OR IGNORE INTO packs(name) VALUES (?)")) {
            insert.setString(1, pack);
            insert.executeUpdate();
        }
        try (PreparedStatement q = db.prepareStatement("SELECT id FROM packs WHERE name = ?")) {
            q.setString(1, pack);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private void removeRows(String manifestName) throws SQLException {
        Long id = null;
        try (PreparedStatement q = db.prepareStatement("SELECT id FROM manifests WHERE name = ?")) {
            q.setString(1, manifestName);
            try (ResultSet r = q.executeQuery()) {
                if (r.next()) {
                    id = r.getLong(1);
                }
            }
        }
        if (id == null) {
            return;
        }
        // Its places stay: they stop counting once no manifest references their pack (see find).
        for (String sql : List.of("DELETE FROM manifest_packs WHERE manifest = ?",
                "DELETE FROM manifests WHERE id = ?")) {
            try (PreparedStatement delete = db.prepareStatement(sql)) {
                delete.setLong(1, id);
                delete.executeUpdate();
            }
        }
    }

    private void clearAll() throws SQLException {
        try (Statement s = db.createStatement()) {
            for (String table : List.of("places", "manifest_packs", "manifests", "packs", "meta")) {
                s.execute("DELETE FROM " + table);
            }
        }
    }

    private String meta(String key) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            q.setString(1, key);
            try (ResultSet r = q.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    private void setMeta(String key, String value) throws SQLException {
        try (PreparedStatement put = db.prepareStatement("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")) {
            put.setString(1, key);
            put.setString(2, value);
            put.executeUpdate();
        }
    }

    private interface Work {
        void run() throws SQLException;
    }

    /**
     * Starts a bulk load: what follows until {@link #endBulk} commits as one transaction (each commit costs a WAL
     * sync; a rebuild of a thousand manifests one transaction each took seven times as long). Work inside fails
     * alone: a failed step rolls back to its own savepoint.
     */
    synchronized void beginBulk() {
        try {
            if (bulk++ == 0) {
                db.setAutoCommit(false);
            }
        } catch (SQLException e) {
            bulk--;
            throw failure("begin a bulk load", e);
        }
    }

    synchronized void endBulk() {
        if (bulk == 0) {
            throw new IllegalStateException("endBulk without beginBulk");
        }
        try {
            if (--bulk == 0) {
                db.commit();
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure("commit a bulk load", e);
        }
    }

    private void inTransaction(Work work, String what) {
        try {
            if (bulk > 0) {
                Savepoint savepoint = db.setSavepoint();
                try {
                    work.run();
                    db.releaseSavepoint(savepoint);
                } catch (SQLException | RuntimeException e) {
                    db.rollback(savepoint);
                    throw e;
                }
                return;
            }
            db.setAutoCommit(false);
            try {
                work.run();
                db.commit();
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException("checkpoint chunk index " + file + ": cannot " + what + ": "
                + e.getMessage() + " (the index is a cache: stop the daemon and delete the file to rebuild it)", e);
    }

    private static void deleteFiles(Path file) {
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            try {
                Files.deleteIfExists(Path.of(file + suffix));
            } catch (IOException e) {
                // Opening again reports what is wrong.
            }
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (findStatement != null) {
                findStatement.close();
            }
            db.close();
        } catch (SQLException e) {
            // Nothing to flush that matters: it is a cache.
        }
    }
}
