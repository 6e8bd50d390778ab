package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code hydra run -it} and {@code hydra attach} on a real pseudo-terminal (python3's pty module plays the user):
 * the keys typed reach the container's shell and come back echoed, ctrl-p ctrl-q detaches and leaves it running,
 * a second attach gets the same shell, and the log of a tty container holds what the terminal showed.
 */
class TtySessionTest {
    static HydraDaemonProcess daemon;
    static Path rootfs;
    static Path driver;

    @BeforeAll
    static void up() throws Exception {
        daemon = new HydraDaemonProcess("tty").start();
        rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
        driver = daemon.dir.resolve("pty-drive.py");
        try (InputStream in = TtySessionTest.class.getResourceAsStream("pty-drive.py")) {
            Files.write(driver, in.readAllBytes());
        }
    }

    @AfterAll
    static void down() throws Exception {
        daemon.close();
    }

    /** Runs the CLI (bin/hydra) as its own process on a pty, through the steps; returns the transcript. */
    private static String drive(String steps, String... hydraArgs) throws Exception {
        // the launcher users run, on the CLI jar this build made
        List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), steps,
                HydraDaemonProcess.REPO.resolve("bin/hydra").toString()));
        cmd.addAll(List.of(hydraArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("HYDRA_HOST", "unix://" + daemon.socket);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String transcript = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), transcript + "\n--- daemon log:\n" + daemon.readLog());
        return transcript;
    }

    @Test
    void aTerminalSessionEchoesDetachesOnCtrlPCtrlQAndCanBeAttachedAgain() throws Exception {
        try {
            String first = drive("expect:# ;send:echo hel''lo-tty\\r;expect:hello-tty;send:\\x10\\x11;exit:0",
                    "run", "-it", "--name", "tty", "--rootfs", rootfs.toString(), "--", "sh");
            assertTrue(first.contains("echo hel''lo-tty"), "the typed line is echoed by the container's tty: " + first);
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(5), () -> daemon.status("tty").equals("running"),
                    "still running after the detach");
            assertTrue(daemon.inspect("tty").get("tty").asBoolean());
            drive("send:\\r;expect:# ;send:exit 7\\r;exit:7", "attach", "tty");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> daemon.status("tty").equals("exited"),
                    "exited after the shell's exit");
            String logs = daemon.ok("logs", "tty").out();
            assertTrue(logs.contains("hello-tty") && logs.contains("exit 7"), "the tty's output is logged: " + logs);
        } finally {
            daemon.hydra("rm", "-f", "tty");
        }
    }
}
