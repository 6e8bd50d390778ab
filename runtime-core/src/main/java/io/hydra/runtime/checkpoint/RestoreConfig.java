package io.hydra.runtime.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.ContainerCgroups;
import io.hydra.runtime.state.ContainerRecord;

/**
 * The OCI config a restore hands to runc. The config.json a checkpoint carries is never installed as it was read:
 * <ul>
 *   <li>when the container, or the source of {@code --as}, is known on this node, its config is rebuilt from the
 *       bundle the daemon itself wrote at create (storage is ignored);</li>
 *   <li>otherwise (a container of another node, or one removed here) the stored config is validated field by field
 *       by {@link StoredConfigValidator}, and the tree that was validated, not the stored bytes, is written;</li>
 *   <li>in both cases what is per container is the daemon's: a copy gets the cgroup of its own id, so pausing or
 *       limiting one never touches the other.</li>
 * </ul>
 */
public final class RestoreConfig {
    /** A config.json is a few KiB; anything this large is not one. */
    static final int MAX_CONFIG_BYTES = 1 << 20;
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()).build();

    private RestoreConfig() {
    }

    /**
     * What the store's manifests prove: {@code authenticated} when the version's manifest MAC verified (a signed
     * store refuses any other); {@code unsignedRestoreAllowed} is {@code hydra.checkpoint.unsigned-restore}.
     */
    public record StoreTrust(boolean authenticated, boolean unsignedRestoreAllowed) {
    }

    /**
     * @param target       the container being restored (the local one, a new record for {@code --as}, or a record
     *                     made for a container of another node)
     * @param localSource  the container the version belongs to, when it is known on this node
     * @param storedConfig the config.json as the checkpoint carried it
     * @param recordedRoot the root path the version's metadata recorded, or null when it recorded none; ignored when
     *                     the manifest is not authenticated (anyone could have written it)
     * @param trust        whether the manifest is authenticated, and whether an unauthenticated one may be restored
     * @param what         "version N of NAME", for messages
     * @param annotations  the checkpoint backend's annotations for the target's directory: the only ones the
     *                     restored config carries, whatever the stored one held under those keys
     */
    public static byte[] forRestore(ContainerRecord target, Optional<ContainerRecord> localSource, Path storedConfig,
                                    String recordedRoot, StoreTrust trust, String what,
                                    Map<String, String> annotations) {
        return forRestore(target, localSource, storedConfig, recordedRoot, trust, what, annotations,
                Optional.empty());
    }

    /**
     * As the other; {@code imageRoot} is the root the daemon mounts for a container made from an image (its
     * image's layers and the checkpoint's writable layer, under the target's own directory). It replaces whatever
     * root the config names: the stored root path is then no expectation (it was the source's mount point, on its
     * node), and the root need not exist yet (the restore mounts it).
     */
    public static byte[] forRestore(ContainerRecord target, Optional<ContainerRecord> localSource, Path storedConfig,
                                    String recordedRoot, StoreTrust trust, String what,
                                    Map<String, String> annotations, Optional<Path> imageRoot) {
        Optional<ObjectNode> own = localSource.flatMap(RestoreConfig::ownConfig);
        if (own.isEmpty() && !trust.authenticated() && !trust.unsignedRestoreAllowed()) {
            throw HydraException.failed("refusing to restore " + what + ": this node has no record of the container,"
                    + " and the store is unsigned, so nothing proves the checkpoint was written by a daemon: CRIU"
                    + " restores credentials and mounts from the image files as root, and an unauthenticated image"
                    + " cannot be contained by checking its config. Sign the store (hydra.checkpoint.key), or accept"
                    + " the risk with hydra.checkpoint.unsigned-restore=true");
        }
        String expectedRoot = !trust.authenticated() || recordedRoot == null || recordedRoot.isEmpty() ? null
                : recordedRoot;
        ObjectNode config;
        if (own.isPresent()) {
            config = own.get();
            imageRoot.ifPresent(root -> setRoot(config, root));
            if (localSource.get().id().equals(target.id())) {
                return write(withAnnotations(config, annotations));
            }
        } else {
            config = parse(storedConfig, what);
            try {
                if (imageRoot.isPresent()) {
                    setRoot(config, imageRoot.get());
                    StoredConfigValidator.validate(config, imageRoot.get().toString(), daemonRoot(target), false,
                            annotations.keySet());
                } else {
                    StoredConfigValidator.validate(config, expectedRoot, daemonRoot(target), true,
                            annotations.keySet());
                }
            } catch (StoredConfigValidator.Refused e) {
                throw HydraException.failed("refusing to restore " + what + ": its stored config.json is not"
                        + " acceptable: " + e.getMessage());
            }
        }
        JsonNode linux = config.get("linux");
        if (!(linux instanceof ObjectNode linuxObject)) {
            throw HydraException.failed("refusing to restore " + what + ": its config.json has no linux section");
        }
        linuxObject.put("cgroupsPath", ContainerCgroups.path(target.node(), target.id()));
        return write(withAnnotations(config, annotations));
    }

    private static void setRoot(ObjectNode config, Path root) {
        JsonNode existing = config.get("root");
        ObjectNode object = existing instanceof ObjectNode o ? o : config.putObject("root");
        object.put("path", root.toAbsolutePath().normalize().toString());
    }

    /**
     * The daemon's annotations replace whatever the config held under their keys: runc and CRIU act on them as root
     * (the checkpoint backend's CRIU configuration file is one), and a stored value named a path on its source node.
     */
    static ObjectNode withAnnotations(ObjectNode config, Map<String, String> annotations) {
        JsonNode existing = config.get("annotations");
        ObjectNode object = existing instanceof ObjectNode o ? o : config.putObject("annotations");
        annotations.forEach(object::put);
        if (object.isEmpty()) {
            config.remove("annotations");
        }
        return config;
    }

    /** The root path a container's own config names, recorded with each version; empty when it cannot be read. */
    public static String rootPath(Path configFile) {
        try {
            JsonNode path = JSON.readTree(configFile.toFile()).path("root").path("path");
            return path.isTextual() ? path.asText() : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The config.json the daemon wrote into the container's bundle at create, when it is there. */
    static Optional<ObjectNode> ownConfig(ContainerRecord r) {
        Path file = r.bundle().resolve("config.json");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            return JSON.readTree(file.toFile()) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static ObjectNode parse(Path storedConfig, String what) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(storedConfig, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
        } catch (IOException e) {
            throw HydraException.failed("refusing to restore " + what + ": it carries no readable config.json ("
                    + e.getMessage() + ")");
        }
        if (bytes.length > MAX_CONFIG_BYTES) {
            throw HydraException.failed("refusing to restore " + what + ": its stored config.json is larger than "
                    + MAX_CONFIG_BYTES + " bytes");
        }
        try {
            if (JSON.readTree(bytes) instanceof ObjectNode o) {
                return o;
            }
            throw HydraException.failed("refusing to restore " + what + ": its stored config.json is not a JSON"
                    + " object");
        } catch (JsonProcessingException e) {
            throw HydraException.failed("refusing to restore " + what + ": its stored config.json is not valid JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw HydraException.failed("refusing to restore " + what + ": " + e.getMessage());
        }
    }

    /** Records live under {@code <root>/containers/<id>}. */
    private static Path daemonRoot(ContainerRecord target) {
        return target.containerDir().toAbsolutePath().normalize().getParent().getParent();
    }

    private static byte[] write(ObjectNode config) {
        try {
            return JSON.writeValueAsBytes(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write config JSON", e);
        }
    }
}
