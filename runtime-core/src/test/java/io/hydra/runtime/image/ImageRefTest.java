package io.hydra.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.hydra.runtime.HydraException;

class ImageRefTest {
    private static final String D = "sha256:" + "a".repeat(64);

    @ParameterizedTest
    @CsvSource({
            "busybox, docker.io/library/busybox:latest",
            "busybox:1.36, docker.io/library/busybox:1.36",
            "library/busybox, docker.io/library/busybox:latest",
            "user/app:v1, docker.io/user/app:v1",
            "docker.io/busybox, docker.io/library/busybox:latest",
            "index.docker.io/library/busybox:1, docker.io/library/busybox:1",
            "host:5000/a/b:t, host:5000/a/b:t",
            "127.0.0.1:5000/repo, 127.0.0.1:5000/repo:latest",
            "localhost/app, localhost/app:latest",
            "localhost:5000/app:x, localhost:5000/app:x",
            "registry.example.com/a/b/c, registry.example.com/a/b/c:latest",
            "my-repo/sub_name.x:Tag-1.2, docker.io/my-repo/sub_name.x:Tag-1.2",
    })
    void normalizesAsDockerDoes(String in, String expected) {
        assertEquals(expected, ImageRef.parse(in).toString());
    }

    @org.junit.jupiter.api.Test
    void digestPinsTheManifestAndKeepsNoTag() {
        ImageRef r = ImageRef.parse("x@" + D);
        assertEquals("docker.io/library/x@" + D, r.toString());
        assertNull(r.tag());
        assertEquals(D, r.reference());
        ImageRef both = ImageRef.parse("host:5000/x:t@" + D);
        assertEquals("t", both.tag());
        assertEquals(D, both.reference());
        assertEquals("host:5000/x@" + D, both.withDigest(D).toString());
    }

    @org.junit.jupiter.api.Test
    void splitsRegistryAndRepository() {
        ImageRef r = ImageRef.parse("host:5000/a/b:t");
        assertEquals("host:5000", r.registry());
        assertEquals("a/b", r.repository());
        assertEquals("t", r.tag());
        // a first component without a dot or colon is a namespace on Docker Hub, not a host
        assertEquals("docker.io", ImageRef.parse("foo/bar").registry());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "UPPER", "a//b", "a/", "/a", "a:", "a:-bad", "a@sha256:abc", "a@md5:" +
            "0123456789abcdef0123456789abcdef", "host:0/a", "host:99999/a", "host:port/a", "a b", "a/../b",
            "..", "a..b", "-a", "a-", "bad_host!:5000/a", "a:-t", "a:.t"})
    void refusesMalformedReferences(String bad) {
        HydraException e = assertThrows(HydraException.class, () -> ImageRef.parse(bad));
        assertEquals(HydraException.Kind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("image reference"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void errorNamesTheBadPart() {
        HydraException e = assertThrows(HydraException.class, () -> ImageRef.parse("Host:5000/App"));
        assertTrue(e.getMessage().contains("'App'"), e.getMessage());
        e = assertThrows(HydraException.class, () -> ImageRef.parse("a@sha256:xyz"));
        assertTrue(e.getMessage().contains("digest 'sha256:xyz'"), e.getMessage());
    }
}
