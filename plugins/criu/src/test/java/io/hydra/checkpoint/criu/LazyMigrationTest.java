package io.hydra.checkpoint.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.checkpoint.CheckpointException;
import io.hydra.spi.checkpoint.CheckpointOptions;
import io.hydra.spi.checkpoint.CheckpointRequest;
import io.hydra.spi.checkpoint.LazyDump;
import io.hydra.spi.checkpoint.LazyDumpRequest;
import io.hydra.spi.checkpoint.LazyPages;
import io.hydra.spi.checkpoint.LazyTransfer;
import io.hydra.spi.checkpoint.PageServer;
import io.hydra.spi.monitor.OciRuntimeRef;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.process.ProcessResult;
import io.hydra.spi.process.ProcessRunner;

/**
 * Post-copy with the real thing: a busybox container under runc (state root "a"), dumped lazily with its page server
 * on 127.0.0.1 over mutual TLS, restored under another state root ("b") while criu lazy-pages fetches its memory.
 * The container holds a 16 MiB string and counts in a shell variable: a restored copy that lacked memory would not
 * go on counting from where it was, nor print the string's length.
 */
class LazyMigrationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PROGRAM = "x=$(head -c 16777216 /dev/zero | tr '\\0' a); i=0; while :; do"
            + " i=$((i+1)); echo \"$i ${#x}\" > /out/count.tmp; mv /out/count.tmp /out/count; usleep 10000; done";

    @TempDir
    Path dir;
    @TempDir
    static Path shared;
    private static final ProcessRunner processes = new ProcessRunner();
    private static CheckpointBackend criu;
    private final List<String[]> started = new ArrayList<>();

    /** CRIU's probe (criu check) and the keys take seconds: made once for every test. */
    @BeforeAll
    static void setUp() throws IOException {
        criu = new CriuBackendFactory().create(new PluginContext("t", shared.resolve("plugin"), Map.of()));
        assertTrue(criu.capabilities().lazyPages(), "this host's CRIU reports no lazy pages: " + criu.capabilities());
        Pki.make(shared.resolve("pki"), processes);
    }

    @AfterEach
    void tearDown() {
        for (String[] c : started) {
            processes.run(Duration.ofSeconds(30), "runc", "--root", c[0], "delete", "-f", c[1]);
        }
    }

    @Test
    void aContainerMovesWithItsMemoryWhileItRunsOnTheRestoringSide() throws Exception {
        Container a = run("a", "ctr");
        long before = a.awaitCount(20);
        Move move = startMove(a);
        Container b = restore("b", "ctr", a, move.imageB(), move.pages().restoreOptions());

        LazyTransfer fetched = move.pages().awaitEnd(WAIT);
        LazyTransfer served = move.dump().awaitEnd(WAIT);
        assertEquals(LazyTransfer.State.COMPLETE, fetched.state(), fetched.detail());
        assertEquals(LazyTransfer.State.COMPLETE, served.state(), served.detail());
        long after = b.awaitCount(before + 20);
        assertTrue(after > before, "the restored copy counts on from " + before + ": " + after);
        assertEquals("16777216", b.lastLine().split(" ")[1], "the string in memory came across whole");
        assertEquals("gone", a.status(), "the source's container is gone once every page is served");
        assertEquals("running", b.status());
        assertFalse(Files.exists(CriuCheckpointBackend.configFile(a.dir)), "the TLS configuration is for one dump only");
    }

    @Test
    void aClientWhoseCertificateTheCaDidNotSignGetsNoPagesAndTheContainerRunsOnAtTheSource() throws Exception {
        Container a = run("a", "ctr");
        long before = a.awaitCount(20);
        Path certs = shared.resolve("pki");
        int port = freePort();
        LazyDump dump = criu.lazyCheckpoint(a.lazyRequest(source(port)));
        // a client with a certificate of another CA: the handshake must fail, and then the dump, not the container
        processes.run(Duration.ofSeconds(30), "sh", "-c", "echo | openssl s_client -connect"
                + " 127.0.0.1:" + port + " -CAfile " + certs.resolve("ca.crt") + " -cert " + certs.resolve("rogue.crt")
                + " -key " + certs.resolve("rogue.key") + " 2>&1");
        // (what the client sees proves nothing: under TLS 1.3 its handshake is done before the server checks its
        // certificate and hangs up; what counts is the dump's end and the container's state)
        assertRunsOnAtTheSource(a, before, dump.awaitEnd(WAIT));
    }

    @Test
    void aFetcherKilledBeforeTheRestoreFailsBothEndsAndTheSourceRunsAgain() throws Exception {
        Container a = run("a", "ctr");
        long before = a.awaitCount(20);
        Move move = startMove(a);
        // killed before the restore could take a page (16 MiB move in well under a second once it starts)
        move.pages().abort();
        startRestore("b", "ctr", a, move.imageB(), move.pages().restoreOptions()).waitFor();

        LazyTransfer fetched = move.pages().awaitEnd(WAIT);
        assertEquals(LazyTransfer.State.FAILED, fetched.state(), fetched.detail());
        // a page server nobody connects to waits for ever: the owner of the migration ends it
        assertEquals(LazyTransfer.State.RUNNING, move.dump().awaitEnd(Duration.ofMillis(200)).state());
        move.dump().abort();
        assertRunsOnAtTheSource(a, before, move.dump().awaitEnd(WAIT));
    }

    @Test
    void aDumpReopenedAfterARestartStillTellsHowItEnded() throws Exception {
        Container a = run("a", "ctr");
        a.awaitCount(5);
        Move move = startMove(a);
        restore("b", "ctr", a, move.imageB(), move.pages().restoreOptions());
        // new handles, as a daemon started again would make them from the same directories
        LazyPages fetchedAgain = criu.reopenLazyPages(move.imageB(), dir.resolve("b-work"), restorer(move.port()));
        LazyDump servedAgain = criu.reopenLazyDump(move.request());
        assertEquals(LazyTransfer.State.COMPLETE, fetchedAgain.awaitEnd(WAIT).state());
        assertEquals(LazyTransfer.State.COMPLETE, servedAgain.awaitEnd(WAIT).state());
    }

    @Test
    void aLazyDumpThatCannotStartLeavesTheContainerRunning() throws Exception {
        Container a = run("a", "ctr");
        long before = a.awaitCount(5);
        // the page server's port is taken: CRIU cannot listen, after it froze and dumped the container
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> criu.lazyCheckpoint(
                    a.lazyRequest(source(taken.getLocalPort()))));
            assertTrue(e.getMessage().contains("lazy dump of ctr failed"), e.getMessage());
        }
        assertEquals("running", a.status());
        assertTrue(a.awaitCount(before + 20) > before);
        assertFalse(a.networkLocked());
    }

    // ---- fixture

    /** The dump failed, and the container runs at the source again: counting on, its network not blocked. */
    private static void assertRunsOnAtTheSource(Container a, long before, LazyTransfer served) throws Exception {
        assertEquals(LazyTransfer.State.FAILED, served.state(), served.detail());
        assertEquals("running", a.status(), served.detail());
        assertTrue(a.awaitCount(before + 20) > before, "the source goes on counting");
        assertFalse(a.networkLocked(), "CRIU's network lock was lifted: " + served.detail());
    }

    /** A lazy dump of {@code a} under way, its image copied to the restoring side and the fetcher started there. */
    private record Move(LazyDumpRequest request, LazyDump dump, Path imageB, LazyPages pages, int port) {
    }

    private Move startMove(Container a) throws IOException, CheckpointException {
        int port = freePort();
        LazyDumpRequest request = a.lazyRequest(source(port));
        LazyDump dump = criu.lazyCheckpoint(request);
        Path imageB = copyImage(a.image, dir.resolve("b-image"));
        LazyPages pages = criu.lazyPages(imageB, dir.resolve("b-work"), restorer(port));
        return new Move(request, dump, imageB, pages, port);
    }

    /** The page server's end: certificate "a". */
    private static PageServer source(int port) {
        Path certs = shared.resolve("pki");
        return new PageServer("127.0.0.1", port, certs.resolve("ca.crt"), certs.resolve("a.crt"),
                certs.resolve("a.key"));
    }

    /** The restorer's end: certificate "b", which names another address. */
    private static PageServer restorer(int port) {
        Path certs = shared.resolve("pki");
        return new PageServer("127.0.0.1", port, certs.resolve("ca.crt"), certs.resolve("b.crt"),
                certs.resolve("b.key"));
    }

    private final class Container {
        final String id;
        final Path root;
        final Path dir;
        final Path out;
        final Path image;

        Container(String id, Path root, Path dir, Path out) {
            this.id = id;
            this.root = root;
            this.dir = dir;
            this.out = out;
            this.image = dir.resolve("image");
        }

        OciRuntimeRef runtime() {
            return new OciRuntimeRef(Path.of(runc()), root);
        }

        LazyDumpRequest lazyRequest(PageServer listen) {
            return new LazyDumpRequest(new CheckpointRequest(id, runtime(), image, dir.resolve("work"),
                    CheckpointOptions.simple(false)), dir, listen);
        }

        String lastLine() throws IOException {
            Path f = out.resolve("count");
            return Files.exists(f) ? Files.readString(f).strip() : "";
        }

        /** Waits for the count to reach {@code at least}; the count. */
        long awaitCount(long atLeast) throws Exception {
            long until = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < until) {
                String line = lastLine();
                if (!line.isEmpty() && Long.parseLong(line.split(" ")[0]) >= atLeast) {
                    return Long.parseLong(line.split(" ")[0]);
                }
                Thread.sleep(20); // the container writes every 10 ms: polling its file is the only signal
            }
            throw new AssertionError("container " + id + " under " + root + " did not count to " + atLeast
                    + " (last: '" + lastLine() + "', status " + status() + ")");
        }

        String status() {
            ProcessResult r = processes.run(Duration.ofSeconds(30), runc(), "--root", root.toString(), "state", id);
            if (!r.succeeded()) {
                return "gone";
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"status\"\\s*:\\s*\"([a-z]+)\"")
                    .matcher(r.stdout());
            return m.find() ? m.group(1) : "unknown";
        }

        boolean networkLocked() {
            ProcessResult r = processes.run(Duration.ofSeconds(30), runc(), "--root", root.toString(), "state", id);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"pid\"\\s*:\\s*(\\d+)").matcher(r.stdout());
            assertTrue(m.find(), r.stdout());
            return processes.run(Duration.ofSeconds(30), "nsenter", "-t", m.group(1), "-n", "iptables", "-w", "-S",
                    "CRIU").succeeded();
        }
    }

    private Container run(String node, String id) throws IOException {
        Path root = dir.resolve(node + "-state");
        Path cdir = dir.resolve(node + "-" + id);
        Path out = dir.resolve(node + "-out");
        Files.createDirectories(out);
        Path bundle = bundle(cdir, node, id, out);
        started.add(new String[] {root.toString(), id});
        String failed = awaitDetached(new ProcessBuilder(runc(), "--root", root.toString(), "run", "-d", id)
                .directory(bundle.toFile()).redirectErrorStream(true).start(), "runc run");
        assertTrue(failed.isEmpty(), failed);
        return new Container(id, root, cdir, out);
    }

    /** A restore expected to fail or to hang without its memory: its outcome is the fetcher's to tell. */
    private Process startRestore(String node, String id, Container from, Path image, List<String> options)
            throws IOException {
        Path root = dir.resolve(node + "-state");
        Path cdir = dir.resolve(node + "-" + id);
        Path bundle = bundle(cdir, node, id, from.out);
        started.add(new String[] {root.toString(), id});
        List<String> cmd = new ArrayList<>(List.of(runc(), "--root", root.toString(), "restore", "-d",
                "--image-path", image.toString(), "--work-path", cdir.resolve("restore-work").toString()));
        cmd.addAll(options);
        cmd.add(id);
        return new ProcessBuilder(cmd).directory(bundle.toFile()).redirectErrorStream(true).start();
    }

    /**
     * runc run/restore -d hands its stdio to the container, which keeps it open: the runner would wait for the end
     * of those pipes, so runc is started here and only what it wrote by its exit is read; empty when it succeeded. (Pipes, not files: CRIU
     * dumps a container's pipes to its runtime as external, and a host file would not be.)
     */
    private static String awaitDetached(Process p, String what) throws IOException {
        try {
            if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(what + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        java.io.InputStream out = p.getInputStream();
        String text = new String(out.readNBytes(out.available()), java.nio.charset.StandardCharsets.UTF_8);
        return p.exitValue() == 0 ? "" : what + " exited " + p.exitValue() + ": " + text;
    }

    /** The restore as a monitor would run it: the image, the backend's options, the container's own bundle. */
    private Container restore(String node, String id, Container from, Path image, List<String> options)
            throws IOException {
        String failed = awaitDetached(startRestore(node, id, from, image, options), "runc restore");
        assertTrue(failed.isEmpty(), failed);
        return new Container(id, dir.resolve(node + "-state"), dir.resolve(node + "-" + id), from.out);
    }

    private Path bundle(Path cdir, String node, String id, Path out) throws IOException {
        Path bundle = cdir.resolve("bundle");
        Path rootfs = bundle.resolve("rootfs");
        for (String d : List.of("bin", "proc", "dev", "sys", "tmp", "out")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        for (String applet : List.of("sh", "head", "tr", "mv", "usleep")) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Map<String, String> annotations = criu.bundleAnnotations(cdir);
        String annotation = annotations.entrySet().stream().map(e -> "\"" + e.getKey() + "\":\"" + e.getValue()
                + "\"").reduce((x, y) -> x + "," + y).orElse("");
        String config = """
                {"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":0,"gid":0},
                 "args":["/bin/sh","-c",%s],"env":["PATH=/bin"],"cwd":"/",
                 "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true},
                 "root":{"path":"rootfs","readonly":false},"hostname":"lazy",
                 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                  {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=755","size=65536k"]},
                  {"destination":"/out","type":"bind","source":"%s","options":["rbind","rw"]}],
                 "annotations":{%s},
                 "linux":{"cgroupsPath":"/hydra-lazy-test-%s/%s","resources":{"devices":[{"allow":false,"access":"rwm"}]},
                  "namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]}}
                """.formatted(quote(PROGRAM), out, annotation, node, id);
        Files.writeString(bundle.resolve("config.json"), config);
        return bundle;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The image without memory, as the target receives it: a flat directory of small files. */
    private static Path copyImage(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String runc() {
        return Files.isExecutable(Path.of("/usr/local/sbin/runc")) ? "/usr/local/sbin/runc" : "/usr/sbin/runc";
    }

    /** A CA with a certificate for each end, and one from another CA. */
    private static final class Pki {
        static void make(Path dir, ProcessRunner processes) throws IOException {
            Files.createDirectories(dir);
            ca(dir, "ca", processes);
            ca(dir, "rogue-ca", processes);
            leaf(dir, "a", "ca", "127.0.0.1", processes);
            // the restorer's certificate names another address: the page server checks its CA, not its name
            leaf(dir, "b", "ca", "127.0.0.2", processes);
            leaf(dir, "rogue", "rogue-ca", "127.0.0.1", processes);
        }

        private static void ca(Path dir, String name, ProcessRunner p) {
            must(p, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name,
                    "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".crt").toString());
        }

        private static void leaf(Path dir, String name, String ca, String ip, ProcessRunner p) throws IOException {
            String base = dir.resolve(name).toString();
            must(p, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout",
                    base + ".rsa", "-out", base + ".csr");
            Files.writeString(Path.of(base + ".ext"), "subjectAltName=IP:" + ip + "\n"
                    + "extendedKeyUsage=serverAuth,clientAuth\n");
            must(p, "openssl", "x509", "-req", "-in", base + ".csr", "-CA", dir.resolve(ca + ".crt").toString(),
                    "-CAkey", dir.resolve(ca + ".key").toString(), "-CAcreateserial", "-days", "2", "-extfile",
                    base + ".ext", "-out", base + ".crt");
            must(p, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", base + ".rsa", "-out", base + ".key");
        }

        private static void must(ProcessRunner p, String... cmd) {
            ProcessResult r = p.run(Duration.ofSeconds(60), cmd);
            assertTrue(r.succeeded(), String.join(" ", cmd) + ": " + r.stderr());
        }
    }

}
