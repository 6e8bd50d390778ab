package io.hydra.runtime.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.runtime.state.ContainerRecord;

/**
 * What a container claims of its node and where its root comes from, read from the OCI config it runs with (the
 * bundle's config.json): that file is what runc applied, so it cannot disagree with the container.
 *
 * @param memoryBytes its memory limit, 0 for none
 * @param cpuMillis   its CPU quota in thousandths of a core, 0 for none
 * @param rootfs      the directory it brings its own root from ({@code --rootfs}, or the {@code --bundle} dir); empty
 *                    for a container of an image (its root is made from the image store on any node)
 */
public record ContainerResources(long memoryBytes, long cpuMillis, String rootfs) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static ContainerResources of(ContainerRecord r) {
        JsonNode config = readConfig(r.bundle() == null ? null : r.bundle().resolve("config.json"));
        JsonNode resources = config.path("linux").path("resources");
        long memory = Math.max(0, resources.path("memory").path("limit").asLong(0));
        long quota = resources.path("cpu").path("quota").asLong(0);
        long period = resources.path("cpu").path("period").asLong(0);
        long cpu = quota > 0 && period > 0 ? quota * 1000 / period : 0;
        return new ContainerResources(memory, cpu, rootfs(r, config));
    }

    private static String rootfs(ContainerRecord r, JsonNode config) {
        if (r.options().fromImage()) {
            return "";
        }
        if (r.userBundle() != null && !r.userBundle().isEmpty()) {
            return r.userBundle();
        }
        String root = config.path("root").path("path").asText("");
        if (root.isEmpty()) {
            return "";
        }
        Path p = Path.of(root);
        return (p.isAbsolute() || r.bundle() == null ? p : r.bundle().resolve(p)).normalize().toString();
    }

    private static JsonNode readConfig(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            // a container whose config cannot be read claims nothing: the record says so rather than guess
            return JSON.createObjectNode();
        }
    }
}
