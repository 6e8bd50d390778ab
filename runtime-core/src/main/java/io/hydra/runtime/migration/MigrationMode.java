package io.hydra.runtime.migration;

import java.util.Locale;

/** How a migration moves a container's memory (DESIGN.md, "Live migration"). */
public enum MigrationMode {
    /** One stopping dump, uploaded; the target downloads and restores. */
    STOPCOPY,
    /** Leave-running rounds into the store while the target pulls ahead, then a stopping dump of what changed. */
    PRECOPY,
    /** A lazy dump; the target restores at once and faults pages in from the source. */
    POSTCOPY;

    /** The mode a user typed; empty is {@link #PRECOPY}. */
    public static MigrationMode parse(String text) {
        if (text == null || text.isBlank()) {
            return PRECOPY;
        }
        for (MigrationMode m : values()) {
            if (m.text().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown migration mode '" + text + "': use stopcopy, precopy or postcopy");
    }

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
