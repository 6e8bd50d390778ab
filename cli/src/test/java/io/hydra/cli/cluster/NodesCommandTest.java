package io.hydra.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.cli.Hydra;

/** {@code hydra nodes} as a verb: registered, its usage, a bad format, no daemon (nothing listens at the socket). */
class NodesCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int hydra(String... args) {
        return Hydra.execute(args, new PrintWriter(out), new PrintWriter(err),
                Map.of("HYDRA_HOST", "unix://" + dir.resolve("no-such.sock")), new ByteArrayInputStream(new byte[0]));
    }

    @Test
    void helpNamesTheFormats() {
        assertEquals(0, hydra("nodes", "--help"));
        assertTrue(out.toString().startsWith("Usage: hydra nodes [--help] [--format=<format>]"), out.toString());
        assertTrue(out.toString().contains("table or json"), out.toString());
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        assertEquals(2, hydra("nodes", "--format", "yaml"));
        assertTrue(err.toString().contains("--format must be table or json, got 'yaml'"), err.toString());
    }

    @Test
    void noDaemonIsAFailureNamingWhereItWasLookedFor() {
        assertEquals(1, hydra("nodes"));
        assertTrue(err.toString().contains("cannot reach the hydra daemon at unix://" + dir.resolve("no-such.sock")),
                err.toString());
    }
}
