package io.hydra.runtime.container;

import java.nio.file.Path;

/** Where the daemon keeps things under its root. What a monitor writes lives in its plugin's own directory. */
public record Layout(Path root) {
    public Path containers() {
        return root.resolve("containers");
    }

    public Path runtimeState() {
        return root.resolve("runc");
    }

    public Path sockets() {
        return root.resolve("sockets");
    }
}
