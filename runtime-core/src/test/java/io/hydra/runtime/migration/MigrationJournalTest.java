package io.hydra.runtime.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal survives a restart phase by phase, refuses a second migration of a container, and ends clean. */
class MigrationJournalTest {
    private static final String ID = "0123456789abcdef0123";

    @TempDir
    Path dir;

    private static MigrationJournal.Entry entry(String migration) {
        return new MigrationJournal.Entry(migration, ID, "web", "a", "b", "precopy", MigrationJournal.Phase.ROUNDS, 0,
                3, Instant.parse("2026-12-03T10:00:00Z"), null);
    }

    @Test
    void eachPhaseIsReadBackByTheNextDaemonAndEndingRemovesIt() throws Exception {
        MigrationJournal journal = new MigrationJournal(dir);
        assertTrue(journal.begin(entry("m-1")).isEmpty());
        MigrationJournal.Entry e = journal.advance(journal.get(ID).orElseThrow(), MigrationJournal.Phase.HANDED_OVER,
                7, 4, Instant.parse("2026-12-03T10:00:05Z"));

        MigrationJournal reopened = new MigrationJournal(dir);
        assertTrue(reopened.active(ID));
        assertEquals(e, reopened.get(ID).orElseThrow());
        reopened.end(e);
        assertFalse(reopened.active(ID));
        assertEquals(List.of(), new MigrationJournal(dir).all());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void aSecondMigrationOfTheContainerGetsTheOneUnderWay() throws Exception {
        MigrationJournal journal = new MigrationJournal(dir);
        journal.begin(entry("m-1"));
        assertEquals("m-1", journal.begin(entry("m-2")).orElseThrow().id());
    }

    @Test
    void aTornTemporaryFileIsDroppedAndAnUnreadableEntryKeptAsideNamed() throws Exception {
        Files.writeString(dir.resolve(ID + ".json.tmp"), "{\"id\":");
        Files.writeString(dir.resolve("fedcba9876543210fedc.json"), "not json");
        MigrationJournal journal = new MigrationJournal(dir);
        assertEquals(List.of(), journal.all());
        assertFalse(Files.exists(dir.resolve(ID + ".json.tmp")));
        assertTrue(Files.exists(dir.resolve("fedcba9876543210fedc.json.unreadable")));
    }
}
