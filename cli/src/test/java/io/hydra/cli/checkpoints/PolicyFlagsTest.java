package io.hydra.cli.checkpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.api.v1.PolicyRequest;
import io.hydra.cli.Hydra;
import picocli.CommandLine;

/** {@code hydra policy --no-failover --constraint K=V}: into PolicyRequest, and contradictions refused (exit 2). */
class PolicyFlagsTest {
    @TempDir
    Path dir;

    private static PolicyRequest parse(String... args) {
        CommandLine.ParseResult parsed = Hydra.commandLine(new Hydra()).parseArgs(args);
        return ((PolicyCommand) parsed.subcommand().commandSpec().userObject()).request();
    }

    private int run(StringWriter err, String... args) {
        return Hydra.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err),
                Map.of("HYDRA_HOST", "unix://" + dir.resolve("no-such.sock")), new ByteArrayInputStream(new byte[0]));
    }

    @Test
    void aPolicyProtectsUnlessNoFailover() {
        PolicyRequest plain = parse("policy", "web", "--every", "30s");
        assertFalse(plain.getNoFailover());
        assertEquals(Map.of(), plain.getConstraintsMap());
        assertEquals("30s", plain.getEvery());
        assertEquals(5, plain.getKeep());
        assertTrue(parse("policy", "web", "--every", "30s", "--no-failover").getNoFailover());
    }

    @Test
    void constraintsReachTheRequest() {
        PolicyRequest r = parse("policy", "web", "--every", "1m", "--keep", "2", "--constraint", "zone=eu",
                "--constraint", "disk=ssd");
        assertEquals(Map.of("zone", "eu", "disk", "ssd"), r.getConstraintsMap());
        assertEquals(2, r.getKeep());
    }

    @Test
    void badFlagsAreUsageErrorsNamingTheProblem() {
        String[][] cases = {
            {"--constraint zone has no '='", "policy", "web", "--every", "30s", "--constraint", "zone"},
            {"--constraint =x has no key", "policy", "web", "--every", "30s", "--constraint", "=x"},
            {"--remove takes no --no-failover or --constraint", "policy", "web", "--remove", "--no-failover"},
            {"--remove takes no --no-failover or --constraint", "policy", "web", "--remove", "--constraint", "a=b"},
            {"policy needs --every", "policy", "web", "--no-failover"},
        };
        for (String[] c : cases) {
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            StringWriter err = new StringWriter();
            assertEquals(2, run(err, args), String.join(" ", args) + ": " + err);
            assertTrue(err.toString().contains(c[0]), String.join(" ", args) + ": " + err);
        }
    }
}
