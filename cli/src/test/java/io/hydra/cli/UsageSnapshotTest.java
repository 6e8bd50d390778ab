package io.hydra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything the CLI says without a daemon (every verb's help, usage errors, bad input refused after parsing, an
 * unreachable or misnamed host) and the exit status of each, against a recorded snapshot (cli/scripts/usage-snapshot.sh;
 * first recorded before the CLI was split into one class per verb, re-recorded when --help and `help VERB` were added
 * to every verb, which is the only difference; re-recorded again when {@code migrate} was added, which only added
 * its cases and its line in the verb list). The cases are the snapshot's
 * {@code === hydra ARGS} headers; {@code {DIR}} stands for a directory where no daemon listens.
 */
class UsageSnapshotTest {
    private static final String HEADER = "=== hydra ";

    @TempDir
    Path dir;

    @Test
    void everyVerbSaysWhatItSaidBeforeTheSplit() throws IOException {
        String expected = snapshot().replace("{DIR}", dir.toString());
        List<String[]> cases = cases(expected);
        assertTrue(cases.size() > 100, "the snapshot lost its cases: " + cases.size());
        StringBuilder actual = new StringBuilder();
        for (String[] args : cases) {
            actual.append(HEADER).append(String.join(" ", args)).append('\n').append(run(args));
        }
        assertEquals(expected, actual.toString());
    }

    private String run(String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Hydra.execute(args, new PrintWriter(out), new PrintWriter(err),
                Map.of("HYDRA_HOST", "unix://" + dir.resolve("no-such.sock")), new ByteArrayInputStream(new byte[0]));
        return out + "--- rc=" + code + "\n--- stderr\n" + err;
    }

    private static List<String[]> cases(String snapshot) {
        List<String[]> cases = new ArrayList<>();
        for (String line : snapshot.split("\n")) {
            if (line.startsWith(HEADER)) {
                String args = line.substring(HEADER.length());
                cases.add(args.isEmpty() ? new String[0] : args.split(" "));
            }
        }
        return cases;
    }

    private static String snapshot() throws IOException {
        try (InputStream in = UsageSnapshotTest.class.getResourceAsStream("usage-snapshot.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
