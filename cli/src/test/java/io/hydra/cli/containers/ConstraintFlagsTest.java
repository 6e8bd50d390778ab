package io.hydra.cli.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.api.v1.CreateRequest;
import io.hydra.cli.Hydra;
import picocli.CommandLine;

/** {@code --constraint K=V} on run and create: into CreateRequest.constraints, and malformed ones refused (exit 2). */
class ConstraintFlagsTest {
    @TempDir
    Path dir;

    private static CreateRequest parse(String... args) {
        CommandLine.ParseResult parsed = Hydra.commandLine(new Hydra()).parseArgs(args);
        return ((CreateOptions) parsed.subcommand().commandSpec().userObject()).request(true);
    }

    private int run(StringWriter err, String... args) {
        return Hydra.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err),
                Map.of("HYDRA_HOST", "unix://" + dir.resolve("no-such.sock")), new ByteArrayInputStream(new byte[0]));
    }

    @Test
    void everyConstraintReachesTheRequest() {
        CreateRequest r = parse("run", "--constraint", "zone=eu", "--constraint", "disk=ssd", "--constraint",
                "role=a=b", "busybox");
        assertEquals(Map.of("zone", "eu", "disk", "ssd", "role", "a=b"), r.getConstraintsMap(),
                "the first '=' splits, the value may hold more");
        assertEquals(Map.of("zone", "eu"), parse("create", "--constraint", "zone=eu", "--rootfs", "/r", "sh")
                .getConstraintsMap());
        assertEquals(Map.of(), parse("run", "busybox").getConstraintsMap());
        assertEquals(Map.of("zone", "eu"), parse("run", "--constraint", "zone=eu", "--constraint", "zone=eu",
                "busybox").getConstraintsMap(), "the same constraint twice is that constraint");
    }

    @Test
    void malformedConstraintsAreUsageErrorsNamingThem() {
        Map<String, String> bad = Map.of(
                "zone", "--constraint zone has no '=': give K=V",
                "=eu", "--constraint =eu has no key: give K=V",
                "zone=", "--constraint zone= has no value: give K=V");
        for (String verb : new String[] {"run", "create"}) {
            bad.forEach((flag, message) -> {
                StringWriter err = new StringWriter();
                assertEquals(2, run(err, verb, "--constraint", flag, "busybox"), verb + " " + flag + ": " + err);
                assertTrue(err.toString().contains(message), "names " + flag + ": " + err);
            });
        }
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "run", "--constraint", "zone=eu", "--constraint", "zone=us", "busybox"));
        assertTrue(err.toString().contains("--constraint zone=eu and --constraint zone=us conflict"), err.toString());
    }
}
