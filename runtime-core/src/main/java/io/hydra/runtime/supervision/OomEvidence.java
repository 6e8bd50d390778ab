package io.hydra.runtime.supervision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The kernel's own count of OOM kills in the container's memory cgroup. A monitor's OOM report may come from an
 * eventfd and land after its exit status; the cgroup's counter is already final when the exit is seen, as long as
 * the runtime has not deleted the cgroup yet.
 */
final class OomEvidence {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OomEvidence() {
    }

    /** @param runtimeState runc's state directory of the container (holding state.json) */
    static boolean oomKilled(Path runtimeState) {
        try {
            JsonNode state = JSON.readTree(runtimeState.resolve("state.json").toFile());
            JsonNode paths = state.path("cgroup_paths");
            String memory = paths.path("memory").asText("");
            if (!memory.isEmpty() && count(Path.of(memory, "memory.oom_control"), "oom_kill ") > 0) {
                return true;
            }
            String unified = paths.path("").asText(state.path("cgroup_path").asText(""));
            return !unified.isEmpty() && count(Path.of(unified, "memory.events"), "oom_kill ") > 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long count(Path file, String key) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim());
            }
        }
        return 0;
    }
}
