package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.hydra.storage.s3.testing.S3ProxyServer;

/**
 * Storage is not trusted: a planted config.json never runs as root, manifests are signed by default, chunks can be
 * encrypted at rest, and a copy restored under another name is its own container. Real runc, conmon and CRIU.
 */
class StorageTrustTest {
    private static final String BUCKET = "hydra-trust";

    private static Path rootfsWithMemhog(HydraDaemonProcess daemon) throws Exception {
        Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
        Memhog.installInto(rootfs);
        return rootfs;
    }

    private static String cgroups(HydraDaemonProcess daemon, String name) throws Exception {
        long pid = daemon.inspect(name).get("pid").asLong();
        return Files.readString(Path.of("/proc/" + pid + "/cgroup"));
    }

    private static void fails(HydraDaemonProcess daemon, String[] expected, String... args) {
        HydraDaemonProcess.Result r = daemon.hydra(args);
        assertTrue(r.code() != 0, "should fail: " + String.join(" ", args));
        for (String e : expected) {
            assertTrue(r.err().contains(e), "error should say '" + e + "' but was: " + r.err());
        }
    }

    @Test
    void aCopyRestoredUnderAnotherNameHasItsOwnCgroupAndKeepsCountingWhileTheOriginalIsPaused() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("trust-as").start()) {
            Path rootfs = rootfsWithMemhog(daemon);
            daemon.ok("run", "-d", "--name", "orig", "--rootfs", rootfs.toString(), "--", "memhog", "8", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "orig") >= 3,
                    "counting");
            daemon.ok("checkpoint", "--leave-running", "orig");
            daemon.ok("restore", "orig", "--as", "copy");
            assertEquals("running", daemon.status("copy"));
            String origId = daemon.inspect("orig").get("id").asText();
            String copyId = daemon.inspect("copy").get("id").asText();
            assertNotEquals(origId, copyId);

            String origCgroups = cgroups(daemon, "orig");
            String copyCgroups = cgroups(daemon, "copy");
            assertNotEquals(origCgroups, copyCgroups, "each has its own cgroup");
            assertTrue(copyCgroups.contains(copyId), "the copy's cgroup is named by its id: " + copyCgroups);
            assertFalse(copyCgroups.contains(origId), "never the original's: " + copyCgroups);

            daemon.ok("pause", "orig");
            assertEquals("paused", daemon.status("orig"));
            long origAtPause = Memhog.lastRound(daemon, "orig");
            long copyAtPause = Memhog.lastRound(daemon, "copy");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Memhog.lastRound(daemon, "copy") >= copyAtPause + 5,
                    "the copy to keep counting while the original is paused");
            assertEquals(origAtPause, Memhog.lastRound(daemon, "orig"), "the original is frozen meanwhile");
            assertEquals("running", daemon.status("copy"));

            daemon.ok("resume", "orig");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "orig") > origAtPause,
                    "the original to count again");
            // its own runc id and exit file: stopping the copy is seen as the copy's exit only
            daemon.ok("stop", "-t", "1", "copy");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> daemon.status("copy").equals("exited"),
                    "the copy's exit to be recorded");
            assertEquals("running", daemon.status("orig"));
            long origNow = Memhog.lastRound(daemon, "orig");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "orig") > origNow,
                    "the original to go on counting after the copy stopped");
            daemon.ok("rm", "-f", "orig");
            daemon.ok("rm", "-f", "copy");
        }
    }

    @Test
    void onOneNodeThePlantedConfigAndAWrongMacAreRefusedByTheGeneratedKey() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("trust-fs").start()) {
            Path key = daemon.root.resolve("checkpoint-mac.key");
            assertEquals(32, Files.size(key), "a key was generated at first start");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(key)));
            String signing = daemon.ok("info").json().get("checkpoint").get("signing").asText();
            assertTrue(signing.contains("hmac-sha256") && signing.contains("generated"), signing);
            assertEquals("true", daemon.ok("info").json().get("checkpoint").get("manifestMac").asText(),
                    "the generated key signs, and hydra info says so");

            Path rootfs = rootfsWithMemhog(daemon);
            daemon.ok("run", "-d", "--name", "c", "--rootfs", rootfs.toString(), "--", "memhog", "8", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "c") >= 2, "counting");
            daemon.ok("checkpoint", "c");
            String id = daemon.inspect("c").get("id").asText();
            Path store = daemon.root.resolve("storage");
            Path marker = daemon.dir.resolve("hook-ran");
            Path config = daemon.root.resolve("containers").resolve(id).resolve("bundle/config.json");

            PlantedCheckpoint.plant(store, id, 1, 2, config, c -> PlantedCheckpoint.addHook(c, marker),
                    PlantedCheckpoint.Mac.REMOVE);
            PlantedCheckpoint.plant(store, id, 1, 3, config, c -> PlantedCheckpoint.addHook(c, marker),
                    PlantedCheckpoint.Mac.KEEP_ORIGINAL);
            PlantedCheckpoint.copyWithWrongMac(store, id, 1, 4);
            fails(daemon, new String[] {"version 2", "no MAC"}, "restore", "c", "--version", "2");
            fails(daemon, new String[] {"version 3", "MAC is wrong"}, "restore", "c", "--version", "3");
            fails(daemon, new String[] {"version 4", "MAC is wrong"}, "restore", "c", "--version", "4");
            fails(daemon, new String[] {"version 3", "MAC is wrong"}, "restore", "c", "--version", "3", "--as", "c2");
            assertEquals("checkpointed", daemon.status("c"), "nothing was restored");
            assertFalse(Files.exists(marker), "the planted hook never ran");

            daemon.ok("restore", "c", "--version", "1");
            assertEquals("running", daemon.status("c"));
            assertFalse(Files.exists(marker));
            daemon.ok("rm", "-f", "c");
        }
    }

    @Test
    void onUnsignedS3ThePlantedHookNeverRuns() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-trust-");
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess daemon = new HydraDaemonProcess("trust-s3", s3Unsigned(s3)).start()) {
            String signing = daemon.ok("info").json().get("checkpoint").get("signing").asText();
            assertTrue(signing.startsWith("unsigned"), "hydra info reports it: " + signing);
            assertEquals("false", daemon.ok("info").json().get("checkpoint").get("manifestMac").asText());

            Path rootfs = rootfsWithMemhog(daemon);
            daemon.ok("run", "-d", "--name", "s", "--rootfs", rootfs.toString(), "--", "memhog", "8", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, "s") >= 2, "counting");
            daemon.ok("checkpoint", "s");
            String id = daemon.inspect("s").get("id").asText();
            Path store = s3dir.resolve(BUCKET);
            Path marker = daemon.dir.resolve("hook-ran");
            Path config = daemon.root.resolve("containers").resolve(id).resolve("bundle/config.json");
            PlantedCheckpoint.plant(store, id, 1, 2, config, c -> PlantedCheckpoint.addHook(c, marker),
                    PlantedCheckpoint.Mac.REMOVE);
            assertEquals(2, daemon.ok("checkpoints", "s", "--format", "json").json().size(),
                    "without a MAC the planted version is accepted as a version");

            // known here: the config is rebuilt from this node's own record, the planted one ignored
            daemon.ok("restore", "s", "--version", "2");
            assertEquals("running", daemon.status("s"));
            assertFalse(Files.exists(marker), "the planted hook never ran");

            // not known here (removed; its checkpoints stay): only the store speaks for it, and it is unsigned
            daemon.ok("rm", "-f", "s");
            String[] unsigned = {"version 2", "store is unsigned", "hydra.checkpoint.unsigned-restore=true"};
            fails(daemon, unsigned, "restore", "s", "--version", "2");
            fails(daemon, unsigned, "restore", "s", "--version", "2", "--as", "s2");
            fails(daemon, new String[] {"version 1", "store is unsigned"}, "restore", "s", "--version", "1", "--as",
                    "s3");
            assertFalse(Files.exists(marker), "the planted hook never ran");

            // another node that accepts the risk: the stored config is validated, and refused by field
            String[] allowing = Stream.concat(Arrays.stream(s3Unsigned(s3)),
                    Stream.of("hydra.checkpoint.unsigned-restore=true")).toArray(String[]::new);
            try (HydraDaemonProcess other = new HydraDaemonProcess("trust-s3-b", allowing).start()) {
                assertEquals("true", other.ok("info").json().get("checkpoint").get("unsignedRestore").asText());
                fails(other, new String[] {"version 2", "hooks.prestart"}, "restore", "s", "--version", "2");
                fails(other, new String[] {"version 2", "hooks.prestart"}, "restore", "s", "--version", "2", "--as",
                        "s2");
                assertFalse(Files.exists(marker), "the planted hook never ran");
                other.ok("restore", "s", "--version", "1", "--as", "s3");
                assertEquals("running", other.status("s3"), "a genuine version still restores");
                assertFalse(Files.exists(marker));
                other.ok("rm", "-f", "s3");
            }
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString());
        }
    }

    @Test
    void onASignedStoreAPlainVersionRestoresUnderEncryptionAndAnEncryptedManifestHidesTheCommand() throws Exception {
        Path s3dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-s3-upgrade-");
        Path macKey = s3dir.resolveSibling(s3dir.getFileName() + ".mac");
        Path encKey = s3dir.resolveSibling(s3dir.getFileName() + ".enc");
        Files.write(macKey, "a-shared-manifest-key-for-upgrade".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.write(encKey, "an-aes-256-key-of-32-bytes-long!".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String secret = "pw-" + UUID.randomUUID();
        try (S3ProxyServer s3 = S3ProxyServer.start(s3dir);
             HydraDaemonProcess plain = new HydraDaemonProcess("upgrade-plain", s3Signed(s3, macKey)).start();
             HydraDaemonProcess sealed = new HydraDaemonProcess("upgrade-sealed", Stream.concat(
                     Arrays.stream(s3Signed(s3, macKey)), Stream.of("hydra.checkpoint.encryption-key=" + encKey))
                     .toArray(String[]::new)).start()) {
            Path rootfs = BusyboxRootfs.create(plain.dir.resolve("rootfs"));
            plain.ok("run", "-d", "--name", "p", "--rootfs", rootfs.toString(), "--", "sh", "-c",
                    "PASSWORD=" + secret + "; while :; do sleep 1; done");
            plain.ok("checkpoint", "p");
            String id = plain.inspect("p").get("id").asText();
            Path store = s3dir.resolve(BUCKET);
            assertTrue(Files.readString(PlantedCheckpoint.manifest(store, id, 1)).contains(secret),
                    "a manifest written without encryption holds the command line (so the check below can fail)");

            // the node with encryption on: version 1's MAC verifies, so its plain chunks are accepted
            sealed.ok("restore", "p", "--version", "1");
            assertEquals("running", sealed.status("p"));
            sealed.ok("checkpoint", "p");
            String manifest = Files.readString(PlantedCheckpoint.manifest(store, id, 2));
            assertFalse(manifest.contains(secret), "the encrypted version's manifest hides the command: " + manifest);
            assertTrue(manifest.contains("aes-gcm:"), manifest);

            // not known there any more: the command comes from the sealed metadata, decrypted
            sealed.ok("rm", "-f", "p");
            sealed.ok("restore", "p", "--version", "2");
            assertEquals("running", sealed.status("p"));
            assertTrue(sealed.inspect("p").toString().contains(secret), "the command came back decrypted");
            sealed.ok("rm", "-f", "p");
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", s3dir.toString(), macKey.toString(), encKey.toString());
        }
    }

    @Test
    void aSecretInAContainersMemoryIsInThePlainPacksAndNotInTheEncryptedOnes() throws Exception {
        // long and random: LZ4 may cut a short one where a few bytes repeat something earlier in the chunk
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        java.security.SecureRandom random = new java.security.SecureRandom();
        StringBuilder secret = new StringBuilder();
        for (int i = 0; i < 2048; i++) {
            secret.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        Path encKey = Files.createTempFile(Path.of("/tmp"), "hydra-enc-", ".key");
        try {
            Files.write(encKey, "an-aes-256-key-of-32-bytes-long!".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertTrue(secretInPacks(secret.toString(), "trust-plain") > 0, "without encryption pieces of the secret"
                    + " are findable in the stored packs (so the check below can fail)");
            assertEquals(0, secretInPacks(secret.toString(), "trust-sealed", "hydra.checkpoint.encryption-key="
                    + encKey), "with encryption no piece of it is");
        } finally {
            Files.deleteIfExists(encKey);
        }
    }

    /**
     * A busybox shell reads the secret into a variable (the file is gone before the checkpoint), then waits;
     * returns how many of the secret's 24-character pieces some stored pack holds.
     */
    private static int secretInPacks(String secret, String name, String... properties) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess(name, properties).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            Files.writeString(rootfs.resolve("k"), secret + "\n");
            daemon.ok("run", "-d", "--name", "holder", "--rootfs", rootfs.toString(), "--", "sh", "-c",
                    "read S < /k; rm /k; echo ready; while :; do sleep 1; done");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20),
                    () -> daemon.ok("logs", "holder").out().contains("ready"), "the secret to be read");
            assertFalse(Files.exists(rootfs.resolve("k")), "only the process's memory holds it now");
            daemon.ok("checkpoint", "holder");
            int found = 0;
            for (int at = 0; at + 24 <= secret.length(); at += 24) {
                if (PlantedCheckpoint.anyPackContains(daemon.root.resolve("storage"), secret.substring(at, at + 24))) {
                    found++;
                }
            }
            // and the version restores, encrypted or not
            daemon.ok("restore", "holder");
            assertEquals("running", daemon.status("holder"));
            daemon.ok("rm", "-f", "holder");
            return found;
        }
    }

    @Test
    void badKeysAndASharedStoreWithoutOneStopTheDaemonWithAClearError() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-keys-");
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("trust-keys")) {
            Path shortKey = dir.resolve("short.key");
            Files.write(shortKey, new byte[15]);
            Path encKey = dir.resolve("enc.key");
            Files.write(encKey, new byte[16]);
            expectStartFailure(daemon, List.of("hydra.checkpoint.key=" + shortKey),
                    "hydra.checkpoint.key: " + shortKey + " holds 15 bytes", "at least 16");
            expectStartFailure(daemon, List.of("hydra.checkpoint.encryption-key=" + encKey),
                    "hydra.checkpoint.encryption-key: " + encKey + " holds 16 bytes", "exactly 32");
            expectStartFailure(daemon, List.of("hydra.storage=s3", "hydra.plugin.storage.s3.endpoint=http://127.0.0.1:9",
                            "hydra.plugin.storage.s3.bucket=b", "hydra.plugin.storage.s3.access-key=a",
                            "hydra.plugin.storage.s3.secret-key=s"),
                    "hydra.storage=s3 is shared between nodes", "hydra.checkpoint.unsigned=true");
            expectStartFailure(daemon, List.of("hydra.checkpoint.key=" + dir.resolve("missing.key")),
                    "hydra.checkpoint.key: " + dir.resolve("missing.key") + " does not exist");
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", dir.toString());
        }
    }

    private static void expectStartFailure(HydraDaemonProcess daemon, List<String> properties, String... expected)
            throws Exception {
        HydraDaemonProcess.Result r = daemon.runDaemonExpectingFailure(properties);
        assertEquals(1, r.code(), r.out());
        for (String e : expected) {
            assertTrue(r.out().contains(e), "'" + e + "' in: " + r.out());
        }
    }

    private static String[] s3Signed(S3ProxyServer s3, Path macKey) {
        return S3DaemonSettings.signed(s3, BUCKET, macKey);
    }

    private static String[] s3Unsigned(S3ProxyServer s3) {
        return S3DaemonSettings.unsigned(s3, BUCKET);
    }
}
