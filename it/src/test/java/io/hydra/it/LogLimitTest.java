package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code hydra.log.max-size} reaches the monitor: a chatty container's log stays within it. */
class LogLimitTest {

    @Test
    void aContainersLogStaysWithinTheConfiguredSize() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("loglimit", "hydra.log.max-size=8K").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "chatty", "--rootfs", rootfs.toString(), "--", "sh", "-c",
                    "i=0; while [ $i -lt 3000 ]; do echo line-$i-padding-padding-padding-padding; i=$((i+1)); done;"
                            + " echo finished; sleep 1000");
            String id = daemon.inspect("chatty").get("id").asText();
            Path log = daemon.root.resolve("containers").resolve(id).resolve("ctr.log");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> daemon.ok("logs", "chatty").out()
                    .contains("finished"), "the container to finish writing");
            // about 200 KB were written; the monitor truncates at the limit
            long size = Files.size(log);
            assertTrue(size <= 16 * 1024, "the log is " + size + " bytes, over twice the 8K limit");
            assertTrue(!daemon.ok("logs", "chatty").out().contains("line-0-"), "the oldest output was dropped");
            daemon.ok("rm", "-f", "chatty");
        }
    }

    @Test
    void aSizeThatIsNotASizeIsRefusedAtStartUp() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("loglimit-bad")) {
            HydraDaemonProcess.Result r = daemon.runDaemonExpectingFailure(List.of("hydra.log.max-size=lots"));
            assertNotEquals(0, r.code());
            assertTrue(r.out().contains("hydra.log.max-size"), r.out());
        }
    }
}
