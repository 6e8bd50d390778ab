package io.hydra.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.HydraException;

class ManifestParserTest {
    static final String A = "sha256:" + "a".repeat(64);
    static final String B = "sha256:" + "b".repeat(64);
    static final String C = "sha256:" + "c".repeat(64);

    private static byte[] b(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsADockerSchema2Manifest() {
        ParsedManifest m = ManifestParser.parse(b("{'schemaVersion':2,'mediaType':'" + MediaTypes.DOCKER_MANIFEST
                + "','config':{'mediaType':'" + MediaTypes.DOCKER_CONFIG + "','digest':'" + A + "','size':10},"
                + "'layers':[{'mediaType':'" + MediaTypes.DOCKER_LAYER_GZIP + "','digest':'" + B + "','size':20}]}"),
                null, "image x");
        ParsedManifest.Image image = assertInstanceOf(ParsedManifest.Image.class, m);
        assertEquals(A, image.config().digest());
        assertEquals(List.of(new ParsedManifest.Descriptor(MediaTypes.DOCKER_LAYER_GZIP, B, 20)), image.layers());
    }

    @Test
    void takesTheMediaTypeFromTheResponseWhenTheDocumentHasNone() {
        ParsedManifest m = ManifestParser.parse(b("{'schemaVersion':2,'manifests':[{'mediaType':'"
                + MediaTypes.OCI_MANIFEST + "','digest':'" + A + "','size':5,'platform':{'os':'linux',"
                + "'architecture':'arm64','variant':'v8'}},{'digest':'" + B + "','size':6,'platform':{'os':'linux',"
                + "'architecture':'amd64'}}]}"), MediaTypes.OCI_INDEX + "; charset=utf-8", "image x");
        ParsedManifest.Index index = assertInstanceOf(ParsedManifest.Index.class, m);
        assertEquals(B, ManifestParser.selectPlatform(index, "image x").digest());
    }

    @Test
    void anIndexWithoutAmd64SaysWhichPlatformsItHas() {
        ParsedManifest.Index index = (ParsedManifest.Index) ManifestParser.parse(b("{'schemaVersion':2,'mediaType':'"
                + MediaTypes.DOCKER_LIST + "','manifests':[{'digest':'" + A + "','size':5,'platform':{'os':'linux',"
                + "'architecture':'arm64','variant':'v8'}}]}"), null, "image x");
        HydraException e = assertThrows(HydraException.class, () -> ManifestParser.selectPlatform(index, "image x"));
        assertTrue(e.getMessage().contains("linux/arm64/v8"), e.getMessage());
        assertEquals(HydraException.Kind.NOT_FOUND, e.kind());
    }

    @Test
    void refusesSchema1Clearly() {
        HydraException e = assertThrows(HydraException.class, () -> ManifestParser.parse(
                b("{'schemaVersion':1,'name':'x','fsLayers':[]}"), MediaTypes.DOCKER_SCHEMA1_SIGNED, "image x"));
        assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
        assertTrue(e.getMessage().startsWith("image x"), e.getMessage());
    }

    @Test
    void refusesBadDocuments() {
        String config = "'config':{'mediaType':'m','digest':'" + A + "','size':1}";
        for (String bad : new String[] {
                "not json", "[]", "{'schemaVersion':3}",
                "{'schemaVersion':2,'mediaType':'application/x-unknown'}",
                "{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "','layers':[]}",
                "{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + config + "}",
                "{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + config
                        + ",'layers':[{'mediaType':'" + MediaTypes.OCI_LAYER + "','digest':'sha256:../../etc','size':1}]}",
                "{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + config
                        + ",'layers':[{'mediaType':'" + MediaTypes.OCI_LAYER + "','digest':'" + B + "','size':-1}]}",
                "{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + config
                        + ",'layers':[{'mediaType':'text/plain','digest':'" + B + "','size':1}]}",
        }) {
            HydraException e = assertThrows(HydraException.class, () -> ManifestParser.parse(b(bad), null, "image x"),
                    bad);
            assertEquals(HydraException.Kind.INVALID, e.kind(), bad);
            assertTrue(e.getMessage().startsWith("image x"), e.getMessage());
        }
    }

    @Test
    void refusesAnOversizedDocumentWithoutParsingIt() {
        byte[] big = new byte[ManifestParser.MAX_DOCUMENT_BYTES + 1];
        HydraException e = assertThrows(HydraException.class, () -> ManifestParser.parse(big, null, "image x"));
        assertTrue(e.getMessage().contains("larger than"), e.getMessage());
    }

    @Test
    void readsTheConfigThatShapesAProcess() {
        ManifestParser.Config c = ManifestParser.config(b("{'created':'2026-01-02T03:04:05Z','architecture':'amd64',"
                + "'os':'linux','config':{'Entrypoint':['/bin/sh','-c'],'Cmd':['echo hi'],'Env':['PATH=/bin'],"
                + "'WorkingDir':'/w','User':'nobody','Labels':{'a':'b'},'ExposedPorts':{'80/tcp':{}},"
                + "'StopSignal':'SIGINT'},'rootfs':{'type':'layers','diff_ids':['" + C + "']}}"), "image x");
        ImageConfig ic = c.config();
        assertEquals(List.of("/bin/sh", "-c"), ic.entrypoint());
        assertEquals(List.of("echo hi"), ic.cmd());
        assertEquals("/w", ic.workingDir());
        assertEquals("nobody", ic.user());
        assertEquals("b", ic.labels().get("a"));
        assertEquals(List.of("80/tcp"), ic.exposedPorts());
        assertEquals("SIGINT", ic.stopSignal());
        assertEquals(List.of(C), c.diffIds());
        assertEquals("2026-01-02T03:04:05Z", c.created().orElseThrow().toString());
        HydraException e = assertThrows(HydraException.class,
                () -> ManifestParser.config(b("{'config':{}}"), "image x"));
        assertTrue(e.getMessage().contains("diff_ids"), e.getMessage());
    }
}
