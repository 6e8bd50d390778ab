package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class ManifestCodecTest {
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);
    private static final String SHA_F = "f".repeat(64);
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static Manifest sample() {
        ChunkRef first = new ChunkRef(SHA_A, 65536, "3b0d1f9e-0000-4000-8000-000000000001", 0, 20000);
        ChunkRef second = new ChunkRef(SHA_B, 100, "3b0d1f9e-0000-4000-8000-000000000001", 20000, 116);
        ManifestFile pages = new ManifestFile("pages-1.img", 0600, 65636, SHA_F, List.of(first, second));
        ManifestFile config = new ManifestFile("sub/config.json", 0644, 100, SHA_F, List.of(second));
        ManifestFile empty = new ManifestFile("empty.img", 0400, 0, SHA_F, List.of());
        return new Manifest(Manifest.FORMAT, "web", "web", 4, Instant.parse("2025-01-02T03:04:05.678Z"),
                List.of(pages, config, empty), Map.of("node", "n1", "frozenMs", "120"), 65736, 20116);
    }

    private static String json(ManifestCodec codec) {
        return new String(codec.encode(sample()), StandardCharsets.UTF_8);
    }

    private static String refusal(ManifestCodec codec, String json) {
        return assertThrows(CheckpointCorruptException.class,
                () -> codec.decode(json.getBytes(StandardCharsets.UTF_8), "web", 4, true)).getMessage();
    }

    private static void assertRefused(UnaryOperator<String> edit, String expected) {
        ManifestCodec codec = new ManifestCodec(Optional.empty());
        String original = json(codec);
        String edited = edit.apply(original);
        assertTrue(!edited.equals(original), "the edit applied");
        String message = refusal(codec, edited);
        assertTrue(message.startsWith("version 4 of container web: manifest refused: "), message);
        assertTrue(message.contains(expected), message);
    }

    @Test
    void anEncryptedRecordMayHoldNonceAndTagBeyondThePlainBytesButNoMore() throws Exception {
        ManifestCodec codec = new ManifestCodec(Optional.empty());
        String original = json(codec);
        int sealed = ChunkCodec.HEADER_BYTES + ChunkCipher.SEAL_BYTES + 100;
        String withSeal = original.replace("\"storedLength\":116", "\"storedLength\":" + sealed);
        assertEquals(sealed, codec.decode(withSeal.getBytes(StandardCharsets.UTF_8), "web", 4, true).files().get(1)
                .chunks().get(0).storedLength());
        String beyond = original.replace("\"storedLength\":116", "\"storedLength\":" + (sealed + 1));
        assertTrue(refusal(codec, beyond).contains("storedLength is " + (sealed + 1)), refusal(codec, beyond));
    }

    @Test
    void roundTrip() throws Exception {
        ManifestCodec codec = new ManifestCodec(Optional.empty());
        Manifest decoded = codec.decode(codec.encode(sample()), "web", 4, true);
        assertEquals(sample(), decoded);
    }

    @Test
    void macRoundTripAndRefusals() throws Exception {
        ManifestCodec keyed = new ManifestCodec(Optional.of(KEY));
        byte[] signed = keyed.encode(sample());
        assertEquals(sample(), keyed.decode(signed, "web", 4, true));

        String tampered = new String(signed, StandardCharsets.UTF_8).replace("\"n1\"", "\"n2\"");
        assertTrue(refusal(keyed, tampered).contains("MAC is wrong"));

        String unsigned = json(new ManifestCodec(Optional.empty()));
        assertTrue(refusal(keyed, unsigned).contains("no MAC but a MAC key is configured"));

        byte[] otherKey = "another key, 16+ bytes long".getBytes(StandardCharsets.US_ASCII);
        String foreign = new String(new ManifestCodec(Optional.of(otherKey)).encode(sample()), StandardCharsets.UTF_8);
        assertTrue(refusal(keyed, foreign).contains("MAC is wrong"));

        // Garbage collection reads references without the MAC: a bad MAC does not make packs unreferenced.
        assertEquals(sample(), keyed.decode(tampered.replace("\"n2\"", "\"n1\"").getBytes(StandardCharsets.UTF_8),
                "web", 4, false));
    }

    @Test
    void invalidManifestsAreRefusedWithTheProblemNamed() {
        assertRefused(json -> json.substring(0, json.length() / 2), "not valid JSON");
        assertRefused(json -> "[" + json + "]", "not a JSON object");
        assertRefused(json -> json.replace("\"sub/config.json\"", "\"../config.json\""), "files[1].path '../config.json' contains '..'");
        assertRefused(json -> json.replace("\"sub/config.json\"", "\"sub/../../x\""), "contains '..'");
        assertRefused(json -> json.replace("\"sub/config.json\"", "\"/etc/passwd\""), "is absolute");
        assertRefused(json -> json.replace("\"sub/config.json\"", "\"sub//x\""), "empty segment");
        assertRefused(json -> json.replace("\"plainLength\":65536", "\"plainLength\":1099511627776"),
                "files[0].chunks[0].plainLength is 1099511627776; it must be within 1..262144");
        assertRefused(json -> json.replace("\"storedLength\":20000", "\"storedLength\":900000"),
                "storedLength is 900000");
        assertRefused(json -> json.replace("\"offset\":20000", "\"offset\":-5"), "offset is -5");
        assertRefused(json -> json.replace("\"size\":65636", "\"size\":65637"), "has size 65637 but its chunks hold");
        assertRefused(json -> json.replace("\"logicalBytes\":65736", "\"logicalBytes\":1"), "logicalBytes is 1");
        assertRefused(json -> json.replace("\"mode\":384", "\"mode\":2541"), "mode is 2541");
        assertRefused(json -> json.replace("\"format\":2", "\"format\":3"), "format 3 is not supported");
        assertRefused(json -> json.replace("\"format\":2", "\"format\":0"), "format is 0");
        assertRefused(json -> json.replace("\"format\":2", "\"format\":2,\"extra\":true"), "unknown field 'extra'");
        assertRefused(json -> json.replace("\"format\":2", "\"format\":2,\"version\":4"), "not valid JSON");
        assertRefused(json -> json.replace("\"version\":4", "\"version\":5"), "it is for version 5, not 4");
        assertRefused(json -> json.replace("\"version\":4", "\"version\":\"4\""), "version is not an integer");
        assertRefused(json -> json.replace("\"containerId\":\"web\"", "\"containerId\":\"db\""),
                "it belongs to container db, not web");
        assertRefused(json -> json.replace("\"pack\":\"3b0d1f9e", "\"pack\":\"../3b0d1f9e"), "not a valid pack id");
        assertRefused(json -> json.replace(SHA_A, "A".repeat(64)), "not a SHA-256 in lowercase hex");
        assertRefused(json -> json.replace("\"empty.img\"", "\"sub\""), "'sub' is both a file and a directory");
        assertRefused(json -> json.replace("\"empty.img\"", "\"pages-1.img\""), "appears twice");
        assertRefused(json -> json.replace(",\"mode\":256", ""), "files[2].mode is missing");
    }
}
