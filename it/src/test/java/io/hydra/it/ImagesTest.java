package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Images against a real registry (docker-registry started here) and real archives (umoci, skopeo): pull, list,
 * remove, a multi-layer image, a manifest list, basic auth with a credentials file, a corrupted registry blob, and
 * the three import forms. Every blob must end up in the daemon's blob store (fs storage under its root).
 */
class ImagesTest {
    static RegistryServer registry;
    static HydraDaemonProcess daemon;
    static Path work;
    static Path layout;
    static Path authFile;

    @BeforeAll
    static void up() throws Exception {
        registry = RegistryServer.start("images");
        work = Files.createTempDirectory(Path.of("/tmp"), "hydra-images-");
        layout = OciImages.busybox(work.resolve("busybox"), "latest");
        OciImages.busybox(layout, "v2");
        OciImages.multiLayer(layout, "latest", "multi", work);
        authFile = work.resolve("auth.json");
        Files.writeString(authFile, "{\"auths\":{}}");
        daemon = new HydraDaemonProcess("images", "hydra.registries.insecure=" + registry.host(),
                "hydra.registries.auth-file=" + authFile).start();
    }

    @AfterAll
    static void down() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (work != null) {
            HydraDaemonProcess.sh("rm", "-rf", work.toString());
        }
    }

    static Path storeBlob(String digest) {
        return daemon.root.resolve("storage/images/blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    static Path garbageMark(String digest) {
        return daemon.root.resolve("storage/images/gc").resolve(digest.substring("sha256:".length()));
    }

    /** Every blob a failed pull wrote is a garbage candidate: nothing it left is unaccounted for. */
    static void onlyCandidatesAdded(Set<String> before) {
        Set<String> added = new TreeSet<>();
        try {
            added.addAll(storeBlobs());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        added.removeAll(before);
        for (String hex : added) {
            assertTrue(Files.exists(garbageMark("sha256:" + hex)), "blob " + hex + " of the failed pull is no candidate");
        }
    }

    static Set<String> storeBlobs() throws Exception {
        Path dir = daemon.root.resolve("storage/images/blobs/sha256");
        Set<String> out = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(p -> out.add(p.getFileName().toString()));
            }
        }
        return out;
    }

    static JsonNode image(String ref) {
        for (JsonNode i : daemon.ok("images", "--format", "json").json()) {
            if (i.get("ref").asText().equals(ref)) {
                return i;
            }
        }
        return null;
    }

    @Test
    void pullListsAndRemoves() throws Exception {
        // its own build (new layer bytes): no other test's image shares its blobs, so rmi must delete them all
        Path own = OciImages.busybox(work.resolve("pulled"), "latest");
        registry.push(own, "latest", "tools/busybox:1");
        String ref = registry.host() + "/tools/busybox:1";
        JsonNode manifest = OciImages.manifest(own, "latest");
        JsonNode pulled = daemon.ok("pull", "--format", "json", ref).json();
        assertEquals(ref, pulled.get("ref").asText());
        assertEquals(manifest.get("digest").asText(), pulled.get("digest").asText(),
                "the registry serves the layout's manifest as it is");
        assertEquals(1, pulled.get("layers").asInt());
        assertTrue(pulled.get("bytesFetched").asLong() > 1_000_000, pulled.toString());
        assertTrue(Files.isRegularFile(storeBlob(manifest.get("config").get("digest").asText())));
        assertTrue(Files.isRegularFile(storeBlob(manifest.get("layers").get(0).get("digest").asText())));
        assertTrue(Files.isRegularFile(storeBlob(pulled.get("digest").asText())));

        JsonNode listed = image(ref);
        assertEquals(pulled.get("digest").asText(), listed.get("digest").asText());
        assertEquals(pulled.get("size").asLong(), listed.get("size").asLong());
        assertFalse(listed.get("createdAt").asText().isEmpty());
        String text = daemon.ok("images").out();
        assertTrue(text.startsWith("REF") && text.contains(ref), text);

        JsonNode again = daemon.ok("pull", "--format", "json", ref).json();
        assertEquals(0, again.get("bytesFetched").asLong(), "a second pull fetches nothing");
        assertEquals(pulled.get("size").asLong(), again.get("bytesPresent").asLong());

        String events = daemon.ok("events", "--type", "io.hydra.image.pulled", "--format", "json").out();
        assertTrue(events.contains(pulled.get("digest").asText()), events);

        daemon.ok("rmi", ref);
        assertEquals(null, image(ref));
        // another node may be relying on them: they are garbage candidates, deleted after the grace period
        for (String digest : List.of(pulled.get("digest").asText(), manifest.get("config").get("digest").asText(),
                manifest.get("layers").get(0).get("digest").asText())) {
            assertTrue(Files.exists(garbageMark(digest)), "the last ref's blob " + digest + " is a candidate");
        }
        HydraDaemonProcess.Result missing = daemon.hydra("rmi", ref);
        assertEquals(1, missing.code(), missing.err());
        assertTrue(missing.err().contains("is not here"), missing.err());
    }

    @Test
    void aPullByDigestGetsThatManifestAndARegistryWithoutTlsMustBeAllowed() throws Exception {
        registry.push(layout, "v2", "pinned/bb:v2");
        String digest = OciImages.manifest(layout, "v2").get("digest").asText();
        String ref = registry.host() + "/pinned/bb@" + digest;
        JsonNode pulled = daemon.ok("pull", "--format", "json", ref).json();
        assertEquals(ref, pulled.get("ref").asText());
        assertEquals(digest, pulled.get("digest").asText());
        assertNotEquals(null, image(ref));

        HydraDaemonProcess.Result bad = daemon.hydra("pull", registry.host() + "/pinned/bb@sha256:" + "0".repeat(64));
        assertEquals(1, bad.code(), bad.err());
        assertTrue(bad.err().contains("not found"), bad.err());

        // the same registry under another name (localhost) is not in hydra.registries.insecure: HTTPS is tried
        HydraDaemonProcess.Result https = daemon.hydra("pull", "localhost:" + registry.port + "/pinned/bb:v2");
        assertEquals(1, https.code(), https.err());
        assertTrue(https.err().contains("https://localhost:" + registry.port), https.err());
        assertTrue(https.err().contains("hydra.registries.insecure") && https.err().contains("--tls-verify=false"),
                https.err());

        HydraDaemonProcess.Result malformed = daemon.hydra("pull", "Bad/Ref");
        assertNotEquals(0, malformed.code());
        assertTrue(malformed.err().contains("image reference 'Bad/Ref'"), malformed.err());
    }

    @Test
    void aMultiLayerImageHasAllItsBlobsAndItsWhiteoutsInTheStore() throws Exception {
        registry.push(layout, "multi", "tools/multi:1");
        JsonNode manifest = OciImages.manifest(layout, "multi");
        assertEquals(3, manifest.get("layers").size());
        JsonNode pulled = daemon.ok("pull", "--tls-verify=false", "--format", "json",
                registry.host() + "/tools/multi:1").json();
        assertEquals(3, pulled.get("layers").asInt());
        for (JsonNode layer : manifest.get("layers")) {
            assertTrue(Files.isRegularFile(storeBlob(layer.get("digest").asText())), layer.toString());
        }
        String top = HydraDaemonProcess.sh("tar", "tzf",
                storeBlob(manifest.get("layers").get(2).get("digest").asText()).toString());
        assertTrue(top.contains("data/.wh.gone"), "a deleted file is a whiteout: " + top);
        assertTrue(top.contains("dir/new"), top);
        assertTrue(top.contains("dir/.wh.old") || top.contains("dir/.wh..wh..opq"), "the replaced dir's old"
                + " content is hidden: " + top);
    }

    @Test
    void aManifestListResolvesToAmd64() throws Exception {
        registry.push(layout, "latest", "multiarch/app:amd64");
        registry.push(layout, "v2", "multiarch/app:other");
        JsonNode amd64 = OciImages.manifest(layout, "latest");
        JsonNode other = OciImages.manifest(layout, "v2");
        String list = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
                + "\"manifests\":["
                + entry(other, "arm64") + "," + entry(amd64, "amd64") + "]}";
        HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + registry.host() + "/v2/multiarch/app/manifests/list"))
                .header("Content-Type", "application/vnd.docker.distribution.manifest.list.v2+json")
                .PUT(HttpRequest.BodyPublishers.ofString(list)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, put.statusCode(), put.body());
        JsonNode pulled = daemon.ok("pull", "--format", "json", registry.host() + "/multiarch/app:list").json();
        assertEquals(amd64.get("digest").asText(), pulled.get("digest").asText());
        assertNotEquals(other.get("digest").asText(), pulled.get("digest").asText());
    }

    private static String entry(JsonNode manifest, String arch) throws Exception {
        long size = Files.size(OciImages.blob(layout, manifest.get("digest").asText()));
        return "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + manifest.get("digest").asText() + "\",\"size\":" + size
                + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"" + arch + "\"}}";
    }

    @Test
    void basicAuthUsesTheCredentialsFile() throws Exception {
        try (RegistryServer secured = RegistryServer.withBasicAuth("basic", "alice", "wonder")) {
            secured.push(layout, "latest", "private/bb:1", "alice", "wonder");
            String ref = secured.host() + "/private/bb:1";
            Files.writeString(authFile, "{\"auths\":{\"" + secured.host() + "\":{\"auth\":\""
                    + Base64.getEncoder().encodeToString("alice:wrong".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
            HydraDaemonProcess.Result refused = daemon.hydra("pull", "--tls-verify=false", ref);
            assertEquals(1, refused.code(), refused.err());
            assertTrue(refused.err().contains("refused access"), refused.err());
            assertTrue(refused.err().contains(authFile.toString()), "names where the credentials came from: "
                    + refused.err());
            // read for every pull: a login after the daemon started counts
            Files.writeString(authFile, "{\"auths\":{\"" + secured.host() + "\":{\"auth\":\""
                    + Base64.getEncoder().encodeToString("alice:wonder".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
            JsonNode pulled = daemon.ok("pull", "--tls-verify=false", "--format", "json", ref).json();
            assertEquals(OciImages.manifest(layout, "latest").get("digest").asText(), pulled.get("digest").asText());
        } finally {
            Files.writeString(authFile, "{\"auths\":{}}");
        }
    }

    @Test
    void bearerTokensAreFetchedFromTheChallengesRealm() throws Exception {
        try (TokenServer tokens = new TokenServer(work);
             RegistryServer secured = RegistryServer.withToken("token", tokens.realm(), TokenServer.SERVICE,
                     TokenServer.ISSUER, tokens.cert)) {
            assertEquals(401, secured.status("/v2/"), "the registry wants a token");
            secured.push(layout, "latest", "tok/bb:1");
            tokens.requests.clear();
            String ref = secured.host() + "/tok/bb:1";
            JsonNode pulled = daemon.ok("pull", "--tls-verify=false", "--format", "json", ref).json();
            assertEquals(OciImages.manifest(layout, "latest").get("digest").asText(), pulled.get("digest").asText());
            assertFalse(tokens.requests.isEmpty(), "the daemon asked the token service");
            String first = tokens.requests.get(0);
            assertTrue(first.contains("service=" + TokenServer.SERVICE), first);
            assertTrue(first.contains("scope=repository%3Atok%2Fbb%3Apull"), first);
        }
    }

    @Test
    void aCorruptRegistryBlobIsRefusedNamingImageAndLayerAndNothingIsStored() throws Exception {
        // an image of its own (new layer content), so no other test's blobs are involved
        Path own = OciImages.busybox(work.resolve("corrupt"), "latest");
        OciImages.multiLayer(own, "latest", "bad", work);
        registry.push(own, "bad", "broken/img:1");
        JsonNode manifest = OciImages.manifest(own, "bad");
        String layer = manifest.get("layers").get(2).get("digest").asText();
        Path data = registry.blobData(layer);
        byte[] bytes = Files.readAllBytes(data);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(data, bytes);
        Set<String> before = storeBlobs();
        String ref = registry.host() + "/broken/img:1";
        HydraDaemonProcess.Result r = daemon.hydra("pull", ref);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(layer) && r.err().contains(ref), r.err());
        assertTrue(r.err().contains("does not match its digest"), r.err());
        onlyCandidatesAdded(before);
        assertEquals(null, image(ref));
    }

    @Test
    void aTruncatedRegistryBlobIsRefusedNamingImageAndLayerAndNothingIsStored() throws Exception {
        Path own = OciImages.busybox(work.resolve("truncated"), "latest");
        OciImages.multiLayer(own, "latest", "short", work);
        registry.push(own, "short", "broken/short:1");
        String layer = OciImages.manifest(own, "short").get("layers").get(1).get("digest").asText();
        Path data = registry.blobData(layer);
        byte[] bytes = Files.readAllBytes(data);
        Files.write(data, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Set<String> before = storeBlobs();
        String ref = registry.host() + "/broken/short:1";
        HydraDaemonProcess.Result r = daemon.hydra("pull", ref);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(layer) && r.err().contains(ref), r.err());
        assertTrue(r.err().contains("truncated"), r.err());
        onlyCandidatesAdded(before);
        assertEquals(null, image(ref));
    }

    @Test
    void importsALayoutAnOciArchiveAndADockerArchive() throws Exception {
        JsonNode manifest = OciImages.manifest(layout, "latest");
        // a layout directory: named after it, with its tag
        JsonNode fromDir = daemon.ok("image", "import", "--format", "json", layout.toString()).json();
        assertTrue(fromDir.isArray() && fromDir.size() == 3, fromDir.toString());
        assertNotEquals(null, image("docker.io/library/busybox:latest"));
        assertNotEquals(null, image("docker.io/library/busybox:multi"));
        assertEquals(manifest.get("digest").asText(), image("docker.io/library/busybox:latest").get("digest").asText());

        Path ociArchive = work.resolve("archived.tar");
        OciImages.copy(layout, "latest", "oci-archive:" + ociArchive + ":latest");
        JsonNode fromOci = daemon.ok("image", "import", "--format", "json", ociArchive.toString()).json();
        assertEquals("docker.io/library/archived:latest", fromOci.get("ref").asText());
        assertEquals(manifest.get("digest").asText(), fromOci.get("digest").asText());

        Path dockerArchive = work.resolve("docker.tar");
        OciImages.copy(layout, "multi", "docker-archive:" + dockerArchive + ":example.com/team/tool:9");
        JsonNode fromDocker = daemon.ok("image", "import", "--format", "json", dockerArchive.toString()).json();
        assertEquals("example.com/team/tool:9", fromDocker.get("ref").asText());
        assertEquals(3, fromDocker.get("layers").asInt());
        JsonNode again = daemon.ok("image", "import", "--format", "json", dockerArchive.toString()).json();
        assertEquals(fromDocker.get("digest").asText(), again.get("digest").asText(), "the same archive, the same"
                + " manifest digest");
        assertEquals(0, again.get("bytesFetched").asLong());
        try (Stream<Path> left = Files.list(daemon.root.resolve("images"))) {
            assertEquals(List.of(), left.toList(), "the scratch copies of the archives are gone");
        }
    }

    @Test
    void badImportsAreRefusedNamingTheProblem() throws Exception {
        HydraDaemonProcess.Result r = daemon.hydra("image", "import", work.resolve("nothing-here").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("does not exist"), r.err());
        Path notTar = work.resolve("not.tar");
        Files.writeString(notTar, "hello, not a tar");
        r = daemon.hydra("image", "import", notTar.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(notTar.toString()), r.err());
        Path evil = work.resolve("evil.tar");
        Path evilDir = Files.createDirectories(work.resolve("evil"));
        Files.writeString(evilDir.resolve("x"), "x");
        HydraDaemonProcess.sh("tar", "-C", evilDir.toString(), "--transform", "s,^x,../../escaped,", "-cf",
                evil.toString(), "x");
        r = daemon.hydra("image", "import", evil.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("../../escaped") && r.err().contains(".."), r.err());
        assertFalse(Files.exists(daemon.root.resolve("escaped")));
        assertFalse(Files.exists(daemon.root.getParent().resolve("escaped")));
    }
}
