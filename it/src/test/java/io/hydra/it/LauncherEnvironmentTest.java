package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM bin/hydra starts for the daemon, started the way systemd or {@code env -i} would (no LANG): a stand-in
 * {@code java} runs the real one with the launcher's flags and environment and prints its settings, so the test sees
 * what the daemon's JVM would.
 */
class LauncherEnvironmentTest {
    @TempDir
    Path dir;

    @Test
    void theDaemonDecodesFileNamesAsUtf8WithoutALocaleAndExitsOnOutOfMemory() throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve("daemon"));
        Files.createFile(home.resolve("daemon/quarkus-run.jar"));
        String realJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path fake = dir.resolve("java");
        // drops "-jar quarkus-run.jar" and runs the real JVM with every other flag, printing its properties
        Files.writeString(fake, "#!/bin/sh\n"
                + "echo \"LC_ALL=$LC_ALL\"\n"
                + "for a; do shift; case \"$a\" in -jar|quarkus-run.jar) ;; *) set -- \"$@\" \"$a\" ;; esac; done\n"
                + "echo \"FLAGS $*\"\n"
                + "exec " + realJava + " \"$@\" -XshowSettings:properties -version\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process p = new ProcessBuilder("env", "-i", "PATH=/usr/bin:/bin", "HYDRA_HOME=" + home, "JAVA=" + fake,
                HydraDaemonProcess.REPO.resolve("bin/hydra").toString(), "daemon", "--root", dir.resolve("root").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("LC_ALL=C.UTF-8"), out);
        assertTrue(out.contains("sun.jnu.encoding = UTF-8"), out);
        assertTrue(out.contains("-XX:+ExitOnOutOfMemoryError"), out);
        assertTrue(out.contains("-Dhydra.root=" + dir.resolve("root")), out);
    }
}
