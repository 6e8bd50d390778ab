package io.hydra.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.HydraException;

/** With an encryption key the command line is stored sealed, and comes back as it was. */
class MetadataCipherTest {
    private static final byte[] KEY = "an-aes-256-key-of-32-bytes-long!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "another-aes-256-key-of-32-bytes!".getBytes(StandardCharsets.US_ASCII);
    private static final String COMMAND = "[\"redis-server\",\"--requirepass\",\"S3cr3t-pw\"]";

    @Test
    void theCommandIsSealedAndOpensToWhatItWas() {
        MetadataCipher cipher = new MetadataCipher(Optional.of(KEY));
        Map<String, String> sealed = cipher.seal(Map.of("command", COMMAND, "node", "n1"));
        assertFalse(sealed.get("command").contains("S3cr3t"), sealed.get("command"));
        assertTrue(sealed.get("command").startsWith(MetadataCipher.PREFIX));
        assertEquals("n1", sealed.get("node"), "the daemon's own facts stay readable");
        assertEquals(COMMAND, cipher.open("command", sealed.get("command"), "v1"));
        assertNotEquals(sealed.get("command"), cipher.seal(Map.of("command", COMMAND)).get("command"),
                "a random nonce each time");
    }

    @Test
    void withoutAKeyNothingIsSealedAndAPlainValueOfAnOlderVersionIsReadAsItIs() {
        assertEquals(COMMAND, new MetadataCipher(Optional.empty()).seal(Map.of("command", COMMAND)).get("command"));
        assertEquals(COMMAND, new MetadataCipher(Optional.of(KEY)).open("command", COMMAND, "v1"));
    }

    @Test
    void aWrongKeyNoKeyAChangedOrMovedValueIsAClearError() {
        String sealed = new MetadataCipher(Optional.of(KEY)).seal(Map.of("command", COMMAND)).get("command");
        HydraException wrong = assertThrows(HydraException.class,
                () -> new MetadataCipher(Optional.of(OTHER_KEY)).open("command", sealed, "version 3 of web"));
        assertTrue(wrong.getMessage().contains("version 3 of web") && wrong.getMessage().contains("does not decrypt"),
                wrong.getMessage());
        HydraException none = assertThrows(HydraException.class,
                () -> new MetadataCipher(Optional.empty()).open("command", sealed, "v3"));
        assertTrue(none.getMessage().contains("hydra.checkpoint.encryption-key"), none.getMessage());
        MetadataCipher cipher = new MetadataCipher(Optional.of(KEY));
        assertThrows(HydraException.class, () -> cipher.open("other", sealed, "v3"), "moved under another key");
        char[] chars = sealed.toCharArray();
        int at = chars.length - 5;
        chars[at] = chars[at] == 'A' ? 'B' : 'A';
        assertThrows(HydraException.class, () -> cipher.open("command", new String(chars), "v3"));
        HydraException garbage = assertThrows(HydraException.class,
                () -> cipher.open("command", MetadataCipher.PREFIX + "!!", "v3"));
        assertTrue(garbage.getMessage().contains("base64"), garbage.getMessage());
        assertThrows(HydraException.class, () -> cipher.open("command", MetadataCipher.PREFIX + "AAAA", "v3"));
    }
}
