package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ImageConfig;
import io.hydra.runtime.image.StoredImage;

/** Docker's rules for the process of a container made from an image ("ENTRYPOINT and CMD interact", -e, -w, -u). */
class ImageProcessTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    private static StoredImage image(List<String> entrypoint, List<String> cmd, List<String> env, String workdir,
                                     String user, Map<String, String> labels) {
        return new StoredImage("docker.io/library/test:1", DIGEST, "sha256:" + "cd".repeat(32),
                new ImageConfig(entrypoint, cmd, env, workdir, user, labels, List.of(), null), List.of(), 0,
                Instant.EPOCH);
    }

    private static StoredImage image(List<String> entrypoint, List<String> cmd) {
        return image(entrypoint, cmd, List.of(), null, null, Map.of());
    }

    private static CreateSpec run(List<String> args, List<String> env, String workdir, String user,
                                  Map<String, String> labels) {
        return new CreateSpec("c", null, null, "test:1", args, env, null, false, false, false, 0, 0, List.of(),
                workdir, user, labels, null, false);
    }

    private static CreateSpec run(String... args) {
        return run(List.of(args), List.of(), null, null, Map.of());
    }

    @Test
    void cmdAloneRunsAndRunArgsReplaceIt() {
        StoredImage img = image(List.of(), List.of("sh", "-c", "echo hi"));
        assertEquals(List.of("sh", "-c", "echo hi"), ImageProcess.apply(img, run()).args());
        assertEquals(List.of("ls", "-l"), ImageProcess.apply(img, run("ls", "-l")).args());
    }

    @Test
    void entrypointStaysAndTakesCmdOrTheRunArgsAsItsArguments() {
        StoredImage img = image(List.of("/bin/echo", "entry"), List.of("default"));
        assertEquals(List.of("/bin/echo", "entry", "default"), ImageProcess.apply(img, run()).args());
        assertEquals(List.of("/bin/echo", "entry", "given", "two"), ImageProcess.apply(img, run("given", "two"))
                .args());
        StoredImage entrypointOnly = image(List.of("/bin/true"), List.of());
        assertEquals(List.of("/bin/true"), ImageProcess.apply(entrypointOnly, run()).args());
    }

    @Test
    void anImageWithoutAnyCommandIsRefusedNamingItUnlessTheRunGivesOne() {
        StoredImage img = image(List.of(), List.of());
        HydraException e = assertThrows(HydraException.class, () -> ImageProcess.apply(img, run()));
        assertEquals(HydraException.Kind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("image test:1") && e.getMessage().contains(DIGEST)
                && e.getMessage().contains("no Entrypoint and no Cmd"), e.getMessage());
        assertEquals(List.of("sh"), ImageProcess.apply(img, run("sh")).args());
    }

    @Test
    void runEnvOverridesTheImagesByKeyWhereItStandsAndAppendsNewKeys() {
        StoredImage img = image(List.of(), List.of("sh"), List.of("PATH=/img/bin", "A=1", "B=2=3"), null, null,
                Map.of());
        CreateSpec effective = ImageProcess.apply(img, run(List.of(), List.of("A=override", "C=new", "EMPTY="), null,
                null, Map.of()));
        assertEquals(List.of("PATH=/img/bin", "A=override", "B=2=3", "C=new", "EMPTY="), effective.env());
    }

    @Test
    void malformedEnvIsRefusedNamingTheEntryAndForTheImageTheImage() {
        StoredImage bad = image(List.of(), List.of("sh"), List.of("NOEQUALS"), null, null, Map.of());
        HydraException e = assertThrows(HydraException.class, () -> ImageProcess.apply(bad, run()));
        assertTrue(e.getMessage().contains("image test:1") && e.getMessage().contains("'NOEQUALS'"), e.getMessage());
        StoredImage good = image(List.of(), List.of("sh"));
        HydraException flag = assertThrows(HydraException.class, () -> ImageProcess.apply(good,
                run(List.of(), List.of("=x"), null, null, Map.of())));
        assertTrue(flag.getMessage().contains("'=x' is not KEY=VALUE"), flag.getMessage());
    }

    @Test
    void workdirIsTheFlagElseTheImagesElseTheDefault() {
        StoredImage withDir = image(List.of(), List.of("sh"), List.of(), "/srv/app", null, Map.of());
        assertEquals("/srv/app", ImageProcess.apply(withDir, run()).workdir());
        assertEquals("/tmp", ImageProcess.apply(withDir, run(List.of(), List.of(), "/tmp", null, Map.of())).workdir());
        assertNull(ImageProcess.apply(image(List.of(), List.of("sh")), run()).workdir());
        StoredImage relative = image(List.of(), List.of("sh"), List.of(), "app", null, Map.of());
        HydraException e = assertThrows(HydraException.class, () -> ImageProcess.apply(relative, run()));
        assertTrue(e.getMessage().contains("WorkingDir 'app' is not an absolute path"), e.getMessage());
    }

    @Test
    void userIsTheFlagElseTheImagesPassedOnUnresolved() {
        StoredImage withUser = image(List.of(), List.of("sh"), List.of(), null, "nobody", Map.of());
        assertEquals("nobody", ImageProcess.apply(withUser, run()).user());
        assertEquals("1000:1000", ImageProcess.apply(withUser, run(List.of(), List.of(), null, "1000:1000", Map.of()))
                .user());
        assertNull(ImageProcess.apply(image(List.of(), List.of("sh"), List.of(), null, "", Map.of()), run()).user());
    }

    @Test
    void theRecordsLabelsAreTheImagesWithTheRunsOverridingButOnlyTheRunsReachTheConfig() {
        StoredImage img = image(List.of(), List.of("sh"), List.of(), null, null, Map.of("a", "img", "b", "img"));
        CreateSpec spec = run(List.of(), List.of(), null, null, Map.of("b", "run", "c", "run"));
        assertEquals(Map.of("a", "img", "b", "run", "c", "run"), ImageProcess.labels(img, spec));
        assertEquals(Map.of("b", "run", "c", "run"), ImageProcess.apply(img, spec).labels());
    }

    @Test
    void theOtherFlagsPassThroughAndTheRootComesOnlyFromTheImage() {
        CreateSpec spec = new CreateSpec("c", null, null, "test:1", List.of(), List.of(), "lazy", true, true, true,
                64 << 20, 1500, List.of("/h:/c:ro"), null, null, Map.of(), "always", true);
        CreateSpec effective = ImageProcess.apply(image(List.of(), List.of("sh")), spec);
        assertEquals("c", effective.name());
        assertEquals("test:1", effective.image());
        assertNull(effective.rootfs());
        assertNull(effective.bundle());
        assertEquals("lazy", effective.monitor());
        assertTrue(effective.interactive() && effective.tty() && effective.hostNetwork() && effective.autoRemove());
        assertEquals(64 << 20, effective.memoryBytes());
        assertEquals(1500, effective.cpuMillis());
        assertEquals(List.of("/h:/c:ro"), effective.volumes());
        assertEquals("always", effective.restart());
    }
}
