package io.hydra.cli.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.api.v1.CreateRequest;
import io.hydra.cli.Hydra;
import picocli.CommandLine;

/** How run's flags become a create request, and that each malformed one is a usage error (exit 2) naming it. */
class RunFlagsParsingTest {
    @TempDir
    Path dir;

    private static CreateRequest parse(Map<String, String> env, String... args) {
        Hydra hydra = new Hydra();
        CommandLine.ParseResult parsed = Hydra.commandLine(hydra).parseArgs(args);
        CreateOptions options = (CreateOptions) parsed.subcommand().commandSpec().userObject();
        try {
            var field = Hydra.class.getDeclaredField("env");
            field.setAccessible(true);
            field.set(hydra, env);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        return options.request(true);
    }

    private int run(String... args) {
        return run(new StringWriter(), args);
    }

    private int run(StringWriter err, String... args) {
        return Hydra.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err),
                Map.of("HYDRA_HOST", "unix://" + dir.resolve("no-such.sock")), new ByteArrayInputStream(new byte[0]));
    }

    @Test
    void theFirstPositionalIsTheImageAndWhatFollowsIsTheCommandOptionsIncluded() {
        CreateRequest r = parse(Map.of(), "run", "-d", "busybox", "ls", "-l", "-d", "/");
        assertEquals("busybox", r.getImage());
        assertEquals(List.of("ls", "-l", "-d", "/"), r.getArgsList());
        assertEquals("", r.getName(), "no --name: the daemon generates one");
        CreateRequest rootfs = parse(Map.of(), "run", "--rootfs", "/r", "--", "sh", "-c", "x");
        assertEquals("", rootfs.getImage());
        assertEquals("/r", rootfs.getRootfs());
        assertEquals(List.of("sh", "-c", "x"), rootfs.getArgsList());
    }

    @Test
    void everyRunFlagReachesTheRequest() {
        CreateRequest r = parse(Map.of("HOME_DIR", "/home/x"), "run", "-t", "-i", "--name", "n", "-v", "/a:/b:ro",
                "-v", "/c:/d", "-w", "/work", "-u", "1000:1000", "--label", "team=db", "--label", "bare",
                "--restart", "on-failure:3", "--cpus", "1.5", "-e", "A=1", "-e", "HOME_DIR", "-e", "UNSET_HERE",
                "--rootfs", "/r", "sh");
        assertTrue(r.getTty());
        assertTrue(r.getInteractive());
        assertEquals(List.of("/a:/b:ro", "/c:/d"), r.getVolumesList());
        assertEquals("/work", r.getWorkdir());
        assertEquals("1000:1000", r.getUser());
        assertEquals(Map.of("team", "db", "bare", ""), r.getLabelsMap());
        assertEquals("on-failure:3", r.getRestart());
        assertEquals(1500, r.getCpuMillis());
        assertEquals(List.of("A=1", "HOME_DIR=/home/x"), r.getEnvList(), "a bare -e KEY takes our value, if any");
        assertFalse(r.getAutoRemove());
        assertEquals(250, parse(Map.of(), "run", "--cpus", "0.25", "busybox").getCpuMillis());
    }

    @Test
    void anEnvFileIsReadAsDockerReadsIt() throws IOException {
        Path f = dir.resolve("env");
        Files.writeString(f, "# a comment\n\nA=1\n  B=two words \nFROM_CLI\nNOT_SET\nC==x\nD=\n");
        CreateRequest r = parse(Map.of("FROM_CLI", "yes"), "run", "--env-file", f.toString(), "-e", "A=override",
                "busybox");
        assertEquals(List.of("A=1", "B=two words ", "FROM_CLI=yes", "C==x", "D=", "A=override"), r.getEnvList());
    }

    @Test
    void aBadEnvFileLineNamesTheFileAndLine() throws IOException {
        Path f = dir.resolve("bad-env");
        Files.writeString(f, "A=1\nBAD KEY=2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnvFile.read(f, Map.of()));
        assertTrue(e.getMessage().contains(f + " line 2"), e.getMessage());
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "run", "--env-file", f.toString(), "busybox"));
        assertTrue(err.toString().contains("line 2"), err.toString());
        StringWriter missing = new StringWriter();
        assertEquals(2, run(missing, "run", "--env-file", dir.resolve("absent").toString(), "busybox"));
        assertTrue(missing.toString().contains("cannot read --env-file"), missing.toString());
    }

    @Test
    void malformedFlagsAreUsageErrors() {
        String[][] bad = {
            {"-v", "/a"}, {"-v", "/a:b"}, {"-v", "/a:/b:rx"}, {"-v", ":/b"}, {"-v", "/a:/b:ro:x"},
            {"-u", "a:b:c"}, {"-u", ":1"}, {"-u", "1:"},
            {"--cpus", "x"}, {"--cpus", "0"}, {"--cpus", "-1"}, {"--cpus", "0.0001"},
            {"--restart", "sometimes"}, {"--restart", "on-failure:x"}, {"--restart", "on-failure:"},
            {"-w", "relative"}, {"--label", "=v"},
        };
        for (String[] flag : bad) {
            StringWriter err = new StringWriter();
            String[] args = {"run", flag[0], flag[1], "busybox"};
            assertEquals(2, run(err, args), String.join(" ", args) + ": " + err);
            assertTrue(err.toString().contains(flag[0]), "the error names " + flag[0] + ": " + err);
        }
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "run", "--rm", "--restart", "always", "busybox"));
        assertTrue(err.toString().contains("conflict"), err.toString());
        StringWriter none = new StringWriter();
        assertEquals(2, run(none, "run", "-d"));
        assertTrue(none.toString().contains("give an IMAGE"), none.toString());
        assertEquals(2, run("logs", "--tail", "x", "c"));
        assertEquals(2, run("logs", "--since", "yesterday", "c"));
    }

    @Test
    void detachKeysAreFoundAcrossReadsAndALoneCtrlPPassesOn() {
        DetachKeys keys = new DetachKeys();
        assertEquals("ab", new String(keys.filter(new byte[] {'a', 'b', DetachKeys.CTRL_P}, 3), StandardCharsets.UTF_8));
        assertFalse(keys.detached());
        assertEquals(0, keys.filter(new byte[] {DetachKeys.CTRL_Q, 'z'}, 2).length);
        assertTrue(keys.detached());
        DetachKeys other = new DetachKeys();
        byte[] passed = other.filter(new byte[] {DetachKeys.CTRL_P, 'x'}, 2);
        assertEquals(List.of((byte) DetachKeys.CTRL_P, (byte) 'x'), List.of(passed[0], passed[1]));
        assertFalse(other.detached());
    }

    @Test
    void everyVerbAnswersHelpWithZero() {
        for (String verb : Hydra.commandLine(new Hydra()).getSubcommands().keySet()) {
            if (!verb.equals("help")) {
                assertEquals(0, run(verb, "--help"), verb + " --help");
            }
        }
    }
}
