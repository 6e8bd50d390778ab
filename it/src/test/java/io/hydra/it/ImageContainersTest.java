package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.hydra.api.v1.ContainersGrpc;
import io.hydra.api.v1.CreateRequest;

/**
 * Containers made from imported images on a real daemon: the image's config applied and overridden as docker does,
 * a writable layer per container on an overlay of the cached layers, removed with the container, the layers
 * collected once nothing holds them, and a leave-running checkpoint restored as a copy with the files it wrote.
 */
class ImageContainersTest {
    private static HydraDaemonProcess daemon;
    private static Path images;

    @BeforeAll
    static void startDaemonAndImportImages() throws Exception {
        daemon = new HydraDaemonProcess("imgctr").start();
        images = daemon.dir.resolve("images");
        Path busybox = OciImages.busybox(images.resolve("busybox"), "latest");
        configured(busybox, "envimg", "--clear=config.cmd", "--config.cmd", "sh", "--config.cmd", "-c",
                "--config.cmd", "echo \"$GREETING $PWD $(id -u)\"", "--config.env", "GREETING=hi",
                "--config.workingdir", "/tmp", "--config.user", "nobody");
        configured(busybox, "entry", "--clear=config.cmd", "--config.entrypoint", "/bin/echo", "--config.entrypoint",
                "entry", "--config.cmd", "default");
        configured(busybox, "nocmd", "--clear=config.cmd");
        for (String name : List.of("busybox", "envimg", "entry", "nocmd")) {
            daemon.ok("image", "import", images.resolve(name).toString());
        }
    }

    /** A copy of the busybox layout, named {@code name} (import names an image after its directory), reconfigured. */
    private static void configured(Path busybox, String name, String... umociConfig) throws Exception {
        Path layout = images.resolve(name);
        OciImages.run(List.of("cp", "-a", busybox.toString(), layout.toString()));
        List<String> cmd = new java.util.ArrayList<>(List.of("umoci", "config", "--image", layout + ":latest"));
        cmd.addAll(List.of(umociConfig));
        OciImages.run(cmd);
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String out(String... args) {
        return daemon.ok(args).out();
    }

    @Test
    void theImagesEntrypointCmdEnvWorkdirAndUserApplyAndRunFlagsOverrideThem() {
        assertEquals("entry default\n", out("run", "--rm", "entry"));
        assertEquals("entry given words\n", out("run", "--rm", "entry", "given", "words"),
                "run's args replace Cmd; the Entrypoint stays");
        assertEquals("hi /tmp 65534\n", out("run", "--rm", "envimg"));
        assertEquals("override / 0\n", out("run", "--rm", "-e", "GREETING=override", "-w", "/", "-u", "0",
                "envimg"));
        assertEquals("hi\n", out("run", "--rm", "envimg", "sh", "-c", "echo $GREETING"),
                "the image's Env stays when the command is replaced");
    }

    @Test
    void inspectShowsTheImageAndItsDigestAndRmRemovesTheWritableLayerAndTheMount() throws Exception {
        daemon.ok("run", "-d", "--name", "insp", "busybox", "sleep", "300");
        JsonNode c = daemon.inspect("insp");
        assertEquals("docker.io/library/busybox:latest", c.get("image").asText(), c.toString());
        String digest = daemon.ok("images", "--format", "json").json().findValues("digest").stream()
                .map(JsonNode::asText).filter(d -> d.equals(c.path("imageDigest").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("inspect's digest is not a listed image's: " + c));
        assertTrue(digest.startsWith("sha256:"));
        Path dir = daemon.root.resolve("containers").resolve(c.get("id").asText());
        assertTrue(Files.isDirectory(dir.resolve("upper")));
        assertTrue(mounts().contains(dir.resolve("rootfs").toString()), "the root is an overlay mount");
        daemon.ok("rm", "-f", "insp");
        assertFalse(Files.exists(dir), "the container dir, upper dir included, is gone");
        assertFalse(mounts().contains(dir.resolve("rootfs").toString()), "and its mount");
    }

    @Test
    void twoContainersOfOneImageDoNotSeeEachOthersWritesAndTheImageStaysAsItWas() {
        daemon.ok("run", "-d", "--name", "w1", "busybox", "sh", "-c", "echo one > /etc/mine; rm /bin/vi; sleep 300");
        daemon.ok("run", "-d", "--name", "w2", "busybox", "sleep", "300");
        try {
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10),
                    () -> daemon.hydra("exec", "w1", "--", "cat", "/etc/mine").out().equals("one\n"), "w1's write");
            assertNotEquals(0, daemon.hydra("exec", "w2", "--", "cat", "/etc/mine").code(), "w2 does not see it");
            assertEquals(0, daemon.hydra("exec", "w2", "--", "ls", "/bin/vi").code(), "nor w1's deletion");
            assertNotEquals(0, daemon.hydra("exec", "w1", "--", "ls", "/bin/vi").code());
            assertEquals("", out("run", "--rm", "busybox", "sh", "-c", "cat /etc/mine 2>/dev/null; true"),
                    "a new container starts from the image");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            daemon.hydra("rm", "-f", "w1", "w2");
        }
    }

    @Test
    void unusedLayersAreCollectedOnceNoContainerAndNoImageHoldsThem() throws Exception {
        Path layout = images.resolve("gc");
        OciImages.run(List.of("cp", "-a", images.resolve("busybox").toString(), layout.toString()));
        OciImages.multiLayer(layout, "latest", "extra", daemon.dir);
        daemon.ok("image", "import", layout.toString());
        Set<String> before = cachedLayers();
        daemon.ok("run", "-d", "--name", "gc1", "gc:extra", "sleep", "300");
        Set<String> added = cachedLayers();
        added.removeAll(before);
        assertEquals(2, added.size(), "the two layers busybox lacks are unpacked: " + added);
        assertNotEquals(0, daemon.hydra("rmi", "gc:extra").code(), "refused while a container uses it");
        daemon.ok("rm", "-f", "gc1");
        assertTrue(cachedLayers().containsAll(added), "the image still holds its layers");
        daemon.ok("rmi", "gc:extra");
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> added.stream()
                .noneMatch(cachedLayers()::contains), "the unused layers to be collected");
        assertTrue(cachedLayers().containsAll(before), "busybox's layer stays: busybox holds it");
        assertEquals("entry default\n", out("run", "--rm", "entry"), "and containers still run from it");
    }

    @Test
    void aLeaveRunningCheckpointIsRestoredAsANewContainerWithTheFilesItHadWritten() throws Exception {
        daemon.ok("run", "-d", "--name", "lr", "busybox", "sh", "-c",
                "echo kept > /data; rm /bin/vi; i=0; while true; do i=$((i+1)); echo $i > /count; echo $i;"
                        + " sleep 0.1; done");
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> lastLine(daemon, "lr") >= 5, "counting");
        daemon.ok("checkpoint", "lr", "--leave-running");
        assertEquals("running", daemon.status("lr"));
        long atCheckpoint = Long.parseLong(daemon.ok("exec", "lr", "--", "cat", "/count").out().trim());
        JsonNode version = daemon.ok("checkpoints", "lr", "--format", "json").json().get(0);
        assertTrue(version.get("frozenMs").asLong() > 0, version.toString());

        daemon.ok("restore", "lr", "--as", "lr2");
        assertEquals("running", daemon.status("lr2"));
        assertEquals("kept\n", daemon.ok("exec", "lr2", "--", "cat", "/data").out());
        assertNotEquals(0, daemon.hydra("exec", "lr2", "--", "ls", "/bin/vi").code(), "the deletion travelled too");
        JsonNode copy = daemon.inspect("lr2");
        assertEquals(daemon.inspect("lr").get("imageDigest").asText(), copy.get("imageDigest").asText());
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> lastLine(daemon, "lr2") > 0, "the copy to count");
        long first = firstLine(daemon, "lr2");
        // the memory and the files are of one instant: the copy counts on from what its /count said
        assertTrue(first <= atCheckpoint + 1, "the copy resumed from the checkpoint (" + first + "), not later");
        long copyCount = Long.parseLong(daemon.ok("exec", "lr2", "--", "cat", "/count").out().trim());
        assertTrue(copyCount >= first - 1, "its /count goes on from the checkpointed value: " + copyCount);
        Path copyDir = daemon.root.resolve("containers").resolve(copy.get("id").asText());
        daemon.ok("exec", "lr", "--", "sh", "-c", "echo original-only > /only");
        assertNotEquals(0, daemon.hydra("exec", "lr2", "--", "cat", "/only").code(), "two layers, not one");
        daemon.ok("rm", "-f", "lr", "lr2");
        assertFalse(Files.exists(copyDir));
    }

    @Test
    void anExitedContainerRestartedAfterItsRootWasUnmountedAsByARebootMountsItAgain() throws Exception {
        daemon.ok("run", "-d", "--name", "rb", "busybox", "sh", "-c", "echo $$ >> /runs; sleep 300");
        Path dir = daemon.root.resolve("containers").resolve(daemon.inspect("rb").get("id").asText());
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Files.exists(dir.resolve("upper/runs")),
                "the first run's write");
        daemon.ok("stop", "-t", "1", "rb");
        assertEquals("exited", daemon.status("rb"));
        OciImages.run(List.of("umount", dir.resolve("rootfs").toString()));
        assertFalse(mounts().contains(dir.resolve("rootfs").toString()));
        daemon.ok("restart", "rb");
        assertEquals("running", daemon.status("rb"));
        assertTrue(mounts().contains(dir.resolve("rootfs").toString()), "mounted again");
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> daemon.hydra("exec", "rb", "--", "cat", "/runs")
                .out().lines().count() == 2, "the second run to find the first one's file and add to it");
        daemon.ok("rm", "-f", "rb");
    }

    @Test
    void badInputIsRefusedClearlyAndLeavesNothing() throws Exception {
        Set<String> containersBefore = containerDirs();
        HydraDaemonProcess.Result unknown = daemon.hydra("run", "--name", "b1", "no-such-image");
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.err().contains("no-such-image"), unknown.err());

        HydraDaemonProcess.Result noCmd = daemon.hydra("run", "--name", "b2", "nocmd");
        assertEquals(125, noCmd.code(), "the daemon refused: " + noCmd.err());
        assertTrue(noCmd.err().contains("nocmd") && noCmd.err().contains("no Entrypoint and no Cmd"), noCmd.err());

        HydraDaemonProcess.Result missing = daemon.hydra("run", "--name", "b3", "busybox", "no-such-command");
        assertEquals(127, missing.code(), missing.err());
        assertTrue(missing.err().contains("no-such-command"), missing.err());

        // the CLI reads a positional after --rootfs as the command: an image with a rootfs comes only from the API
        Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("plain-rootfs"));
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(daemon.socket.toString()))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
        try {
            StatusRuntimeException both = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                    () -> ContainersGrpc.newBlockingStub(channel).create(CreateRequest.newBuilder().setName("b4")
                            .setImage("busybox").setRootfs(rootfs.toString()).addArgs("sh").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, both.getStatus().getCode(), both.toString());
            assertTrue(both.getStatus().getDescription().contains("exactly one of an image, --rootfs DIR or --bundle"
                    + " DIR (got image busybox and --rootfs " + rootfs + ")"), both.getStatus().getDescription());
        } finally {
            channel.shutdownNow();
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
        }

        Set<String> left = containerDirs();
        // another test's --rm container may still be going: only new directories count
        left.removeAll(containersBefore);
        assertEquals(Set.of(), left, "nothing is left of the refused containers");
        for (String name : List.of("b1", "b2", "b3", "b4")) {
            assertNotEquals(0, daemon.hydra("inspect", name).code(), name + " does not exist");
        }
        assertFalse(mounts().contains(daemon.root.resolve("containers").toString() + "/"),
                "no root is left mounted: " + mounts());
    }

    // ---- helpers

    private static Set<String> cachedLayers() {
        try (Stream<Path> layers = Files.list(daemon.root.resolve("layers"))) {
            return layers.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .collect(Collectors.toCollection(java.util.HashSet::new));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Set<String> containerDirs() throws java.io.IOException {
        try (Stream<Path> dirs = Files.list(daemon.root.resolve("containers"))) {
            return dirs.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(java.util.HashSet::new));
        }
    }

    private static String mounts() {
        try {
            return Files.readString(Path.of("/proc/self/mountinfo"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static long lastLine(HydraDaemonProcess d, String name) {
        List<Long> n = numbers(d, name);
        return n.isEmpty() ? 0 : n.get(n.size() - 1);
    }

    static long firstLine(HydraDaemonProcess d, String name) {
        List<Long> n = numbers(d, name);
        return n.isEmpty() ? 0 : n.get(0);
    }

    private static List<Long> numbers(HydraDaemonProcess d, String name) {
        HydraDaemonProcess.Result r = d.hydra("logs", name);
        if (r.code() != 0) {
            return List.of();
        }
        return r.out().lines().map(String::trim).filter(l -> l.matches("[0-9]+")).map(Long::parseLong).toList();
    }
}
