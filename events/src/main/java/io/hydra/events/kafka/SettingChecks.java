package io.hydra.events.kafka;

import java.util.regex.Pattern;

/** Validation shared by the publisher's and the consumer's settings; messages name the setting at fault. */
final class SettingChecks {
    /** host:port or [IPv6]:port; what Kafka clients accept in bootstrap.servers, without a listener prefix. */
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\],/]+):(\\d{1,5})");
    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private SettingChecks() {
    }

    static String bootstrapServers(String setting, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(setting + " must not be empty: give the Kafka brokers as host:port, "
                    + "comma-separated");
        }
        for (String entry : value.split(",")) {
            var m = HOST_PORT.matcher(entry.trim());
            if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
                throw new IllegalArgumentException(setting + " must be a comma-separated list of host:port, got '"
                        + value + "' ('" + entry.trim() + "' is not host:port)");
            }
        }
        return value.trim();
    }

    static String topic(String setting, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(setting + " must not be empty");
        }
        if (!TOPIC.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(setting + " must be a Kafka topic name (letters, digits, '.', '_', '-', "
                    + "at most 249 characters), got '" + value + "'");
        }
        return value;
    }

    static String nonBlank(String setting, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(setting + " must not be empty");
        }
        return value;
    }
}
