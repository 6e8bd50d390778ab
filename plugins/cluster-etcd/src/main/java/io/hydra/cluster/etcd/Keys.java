package io.hydra.cluster.etcd;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;

/** Places the core's relative keys under the plugin's prefix and takes them back off; values are UTF-8 text. */
final class Keys {
    static final String NODES = "nodes/";
    static final String LEADER = "leader";

    private final String prefix;

    Keys(String prefix) {
        this.prefix = prefix;
    }

    ByteSequence absolute(String relative) {
        if (relative.startsWith("/")) {
            throw new IllegalArgumentException("key '" + relative + "' must be relative (no leading '/')");
        }
        return bytes(prefix + relative);
    }

    String relative(ByteSequence absolute) {
        String key = absolute.toString(StandardCharsets.UTF_8);
        if (!key.startsWith(prefix)) {
            throw new IllegalStateException("etcd returned key '" + key + "' outside prefix '" + prefix + "'");
        }
        return key.substring(prefix.length());
    }

    ByteSequence node(String nodeId) {
        return absolute(NODES + nodeId);
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
