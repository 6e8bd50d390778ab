package io.hydra.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.hydra.api.v1.MigrateRequest;
import io.hydra.api.v1.MigrationProgress;
import io.hydra.api.v1.MigrationRound;
import io.hydra.api.v1.MigrationSummary;
import io.hydra.cli.Hydra;
import io.hydra.cli.Json;
import io.hydra.cli.checkpoints.ByteSize;
import picocli.CommandLine;

/** {@code hydra migrate}: flags into MigrateRequest, bad ones refused (exit 2), the summary as text and JSON. */
class MigrateCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static Migrate parsed(String... args) {
        CommandLine cl = Hydra.commandLine(new Hydra());
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        return (Migrate) parsed.subcommand().commandSpec().userObject();
    }

    private static MigrateRequest request(String... args) {
        return parsed(args).request();
    }

    private int hydra(String... args) {
        return Hydra.execute(args, new PrintWriter(out), new PrintWriter(err),
                Map.of("HYDRA_HOST", "unix://" + dir.resolve("no-such.sock")), new ByteArrayInputStream(new byte[0]));
    }

    @Test
    void defaultsArePrecopyTheDaemonsRoundsAndTheLinksThreshold() {
        MigrateRequest r = request("migrate", "web", "--to", "node-b");
        assertEquals("web", r.getContainer());
        assertEquals("node-b", r.getToNode());
        assertEquals("precopy", r.getMode());
        assertEquals(0, r.getMaxRounds());
        assertEquals(-1, r.getThresholdBytes());
        assertFalse(r.getTcpEstablished());
    }

    @Test
    void flagsReachTheRequest() {
        MigrateRequest r = request("migrate", "web", "--to", "node-b", "--mode", "StopCopy", "--max-rounds", "3",
                "--threshold", "64m", "--tcp-established");
        assertEquals("stopcopy", r.getMode());
        assertEquals(3, r.getMaxRounds());
        assertEquals(64L << 20, r.getThresholdBytes());
        assertTrue(r.getTcpEstablished());
        assertEquals(4096, request("migrate", "web", "--to", "b", "--threshold", "4096").getThresholdBytes());
        assertEquals(1L << 30, request("migrate", "web", "--to", "b", "--threshold", "1g").getThresholdBytes());
        assertEquals(0, request("migrate", "web", "--to", "b", "--threshold", "0").getThresholdBytes());
        assertEquals("postcopy", request("migrate", "web", "--to", "b", "--mode", "postcopy").getMode());
    }

    @Test
    void badFlagsAreUsageErrorsNamingTheOptionAndTheValue() {
        String[][] cases = {
            {"--mode must be stopcopy, precopy or postcopy, got 'live'", "migrate", "web", "--to", "b", "--mode",
                "live"},
            {"--max-rounds must be at least 1, got 0", "migrate", "web", "--to", "b", "--max-rounds", "0"},
            {"--max-rounds must be at least 1, got -2", "migrate", "web", "--to", "b", "--max-rounds", "-2"},
            {"--threshold must not be negative, got '-1m'", "migrate", "web", "--to", "b", "--threshold", "-1m"},
            {"--threshold must be a size like 64m, 1g or 4096 (bytes), got '12q'", "migrate", "web", "--to", "b",
                "--threshold", "12q"},
            {"--threshold is too large, got '99999999999g'", "migrate", "web", "--to", "b", "--threshold",
                "99999999999g"},
            {"Missing required option: '--to=NODE'", "migrate", "web"},
            {"--to must name the target node", "migrate", "web", "--to", " "},
            {"--format must be text or json, got 'yaml'", "migrate", "web", "--to", "b", "--format", "yaml"},
        };
        for (String[] c : cases) {
            String[] args = Arrays.copyOfRange(c, 1, c.length);
            out.getBuffer().setLength(0);
            err.getBuffer().setLength(0);
            assertEquals(2, hydra(args), String.join(" ", args) + ": " + err);
            assertTrue(err.toString().contains(c[0]), String.join(" ", args) + ": " + err);
        }
    }

    @Test
    void helpNamesTheFlags() {
        assertEquals(0, hydra("migrate", "--help"));
        String help = out.toString();
        assertTrue(help.startsWith("Usage: hydra migrate "), help);
        for (String flag : List.of("--to=NODE", "--mode=MODE", "--max-rounds=N", "--threshold=SIZE",
                "--tcp-established", "--format", "stopcopy, precopy (default) or postcopy")) {
            assertTrue(help.contains(flag), flag + " in " + help);
        }
        assertEquals(0, hydra("--help"));
        assertTrue(out.toString().contains("migrate"), out.toString());
    }

    @Test
    void noDaemonIsAFailureAsForEveryVerb() {
        assertEquals(1, hydra("migrate", "web", "--to", "b"));
        assertTrue(err.toString().contains("cannot reach the hydra daemon at unix://" + dir.resolve("no-such.sock")),
                err.toString());
    }

    private static MigrationRound round(int n, String decision) {
        return MigrationRound.newBuilder().setRound(n).setVersion(10 + n).setImageBytes(256L << 20)
                .setNewBytes(12_900_000).setChangedBytes(12L << 20).setDurationMs(800).setFrozenMs(n == 3 ? 90 : 2)
                .setBytesPerSecond(110L << 20).setDecision(decision).setPrefetchedBytes(1 << 20).build();
    }

    private static MigrationSummary summary() {
        return MigrationSummary.newBuilder().setId("m-1").setMode("precopy").setFromNode("node-a").setToNode("node-b")
                .setRounds(2).setBytesMoved(301L << 20).setDowntimeMs(1234).setTotalMs(9800).setVersion(13)
                .setDecision("95% unchanged").addRoundDetails(round(1, "continue")).addRoundDetails(round(2, "stop"))
                .setContainerId("c0ffee").setName("web").setEpoch(7).build();
    }

    @Test
    void aRoundLineSaysWhatMovedAndWhy() {
        assertEquals("round 2: 12.3 MiB new of 256.0 MiB (95% unchanged) in 0.8 s at 110.0 MiB/s — stop: 95% unchanged",
                MigrationFormat.round(round(2, "stop: 95% unchanged")));
        assertEquals("round 1: 0 B new of 0 B (0% unchanged) in 0.0 s at 0 B/s",
                MigrationFormat.round(MigrationRound.newBuilder().setRound(1).build()));
    }

    @Test
    void theSummaryLine() {
        assertEquals("migrated web from node-a to node-b (precopy, 2 rounds, 301.0 MiB moved, downtime 1234 ms,"
                + " total 9.8 s) — 95% unchanged", MigrationFormat.text(summary(), "w"));
        assertEquals("migrated w from a to b (stopcopy, 0 rounds, 0 B moved, downtime 5 ms, total 0.0 s)",
                MigrationFormat.text(MigrationSummary.newBuilder().setMode("stopcopy").setFromNode("a")
                        .setToNode("b").setDowntimeMs(5).build(), "w"));
    }

    @Test
    void jsonHasTheStableFieldsAndTheRounds() throws Exception {
        JsonNode j = Json.MAPPER.readTree(MigrationFormat.render(summary(), "web", true));
        List<String> fields = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("id", "container", "name", "mode", "from", "to", "rounds", "bytesMoved", "downtimeMs",
                "totalMs", "version", "epoch", "decision", "roundDetails"), fields);
        assertEquals("precopy", j.get("mode").asText());
        assertEquals("node-a", j.get("from").asText());
        assertEquals("node-b", j.get("to").asText());
        assertEquals(2, j.get("rounds").asInt());
        assertEquals(301L << 20, j.get("bytesMoved").asLong());
        assertEquals(1234, j.get("downtimeMs").asLong());
        assertEquals(9800, j.get("totalMs").asLong());
        assertEquals("m-1", j.get("id").asText());
        assertEquals("c0ffee", j.get("container").asText());
        assertEquals("web", j.get("name").asText());
        assertEquals(13, j.get("version").asLong());
        assertEquals(7, j.get("epoch").asLong());
        assertEquals("95% unchanged", j.get("decision").asText());
        JsonNode rounds = j.get("roundDetails");
        assertEquals(2, rounds.size());
        List<String> roundFields = new java.util.ArrayList<>();
        rounds.get(1).fieldNames().forEachRemaining(roundFields::add);
        assertEquals(List.of("round", "version", "imageBytes", "newBytes", "changedBytes", "durationMs", "frozenMs",
                "bytesPerSecond", "decision", "prefetchedBytes"), roundFields);
        assertEquals(2, rounds.get(1).get("round").asInt());
        assertEquals(12, rounds.get(1).get("version").asLong());
        assertEquals(256L << 20, rounds.get(1).get("imageBytes").asLong());
        assertEquals(12_900_000, rounds.get(1).get("newBytes").asLong());
        assertEquals(12L << 20, rounds.get(1).get("changedBytes").asLong());
        assertEquals(800, rounds.get(1).get("durationMs").asLong());
        assertEquals(2, rounds.get(1).get("frozenMs").asLong());
        assertEquals(110L << 20, rounds.get(1).get("bytesPerSecond").asLong());
        assertEquals("stop", rounds.get(1).get("decision").asText());
        assertEquals(1 << 20, rounds.get(1).get("prefetchedBytes").asLong());
    }

    /** A stream as the daemon sends it; without a terminal nothing but the summary is printed. */
    private Migrate following(String... args) {
        CommandLine cl = Hydra.commandLine(new Hydra());
        cl.getSubcommands().get("migrate").setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        return (Migrate) cl.parseArgs(args).subcommand().commandSpec().userObject();
    }

    private static Iterator<MigrationProgress> stream() {
        return List.of(MigrationProgress.newBuilder().setPhase("round").setRound(1).setDone(5).setTotal(10).build(),
                MigrationProgress.newBuilder().setPhase("round").setRound(1).setFinishedRound(round(1, "go on"))
                        .build(),
                MigrationProgress.newBuilder().setPhase("final").build(),
                MigrationProgress.newBuilder().setPhase("restore").setSummary(summary()).build()).iterator();
    }

    @Test
    void aStreamEndsInTheSummaryAlone() throws Exception {
        assertEquals(0, following("migrate", "web", "--to", "node-b").follow(stream()));
        assertEquals(MigrationFormat.text(summary(), "web") + System.lineSeparator(), out.toString());
        assertEquals("", err.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, following("migrate", "web", "--to", "node-b", "--format", "json").follow(stream()));
        assertEquals("m-1", Json.MAPPER.readTree(out.toString()).get("id").asText(), out.toString());
    }

    @Test
    void aStreamWithoutASummaryOrAFailedOneIsAFailure() {
        Migrate m = following("migrate", "web", "--to", "node-b");
        assertThrows(IllegalStateException.class, () -> m.follow(List.<MigrationProgress>of().iterator()));
        Iterator<MigrationProgress> failing = new Iterator<>() {
            @Override
            public boolean hasNext() {
                throw Status.FAILED_PRECONDITION.withDescription("node-b is lost").asRuntimeException();
            }

            @Override
            public MigrationProgress next() {
                throw new AssertionError();
            }
        };
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> m.follow(failing));
        assertEquals("node-b is lost", Hydra.message(e, "unix:///x"));
        assertEquals("", out.toString());
    }

    @Test
    void sizesAsTyped() {
        assertEquals(65536, ByteSize.parse("64K"));
        assertEquals(64L << 20, ByteSize.parse("64mb"));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(""));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("1.5g"));
    }
}
