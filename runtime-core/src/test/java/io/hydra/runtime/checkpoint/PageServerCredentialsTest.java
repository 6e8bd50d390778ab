package io.hydra.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.HydraException;
import io.hydra.spi.checkpoint.PageServer;

class PageServerCredentialsTest {
    private static final Path CA = Path.of("/pki/ca.pem");
    private static final Path CERT = Path.of("/pki/node.pem");
    private static final Path KEY = Path.of("/pki/node.key");

    @Test
    void theListenAddressIsTheHostOfListenAndThePortAFreeOne() {
        PageServerCredentials c = PageServerCredentials.of("127.0.0.1:7443", CA, CERT, KEY);
        assertEquals("127.0.0.1", c.address());
        PageServer listen = c.listen();
        assertEquals("127.0.0.1", listen.address());
        assertTrue(listen.port() > 0 && listen.port() != 7443, "a free port: " + listen.port());
        assertEquals(CERT, listen.cert());
        assertEquals("::1", PageServerCredentials.of("[::1]:7443", CA, CERT, KEY).address());
    }

    @Test
    void theSourcesEndpointIsReachedWithThisNodesCertificates() {
        PageServerCredentials c = PageServerCredentials.of("10.0.0.2:7443", CA, CERT, KEY);
        PageServer source = c.toward("10.0.0.1:34831");
        assertEquals("10.0.0.1", source.address());
        assertEquals(34831, source.port());
        assertEquals(KEY, source.key());
        assertEquals("fd00::1", c.toward("[fd00::1]:9").address());
    }

    @Test
    void aMalformedEndpointIsRefusedByName() {
        PageServerCredentials c = PageServerCredentials.of("10.0.0.2:7443", CA, CERT, KEY);
        for (String bad : new String[] {"10.0.0.1", "10.0.0.1:x", "10.0.0.1:0", "10.0.0.1:70000", ":80",
                "a b:80"}) {
            HydraException e = assertThrows(HydraException.class, () -> c.toward(bad), bad);
            assertTrue(e.getMessage().contains("page server"), e.getMessage());
        }
    }

    @Test
    void noPortOnAnAddressThatIsNotThisNodesIsAClearError() {
        HydraException e = assertThrows(HydraException.class,
                () -> PageServerCredentials.of("192.0.2.123:7443", CA, CERT, KEY).listen());
        assertTrue(e.getMessage().contains("no port for a page server on 192.0.2.123"), e.getMessage());
    }
}
