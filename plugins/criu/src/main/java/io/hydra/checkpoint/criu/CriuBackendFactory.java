package io.hydra.checkpoint.criu;

import java.util.Set;

import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;

/**
 * The {@code criu} checkpoint backend: the OCI runtime's checkpoint command, which drives CRIU.
 *
 * <p>Settings ({@code hydra.plugin.checkpoint.criu.<key>}): {@code criu-path}, the criu binary (default: the first
 * of /usr/local/sbin, /usr/sbin, /usr/local/bin, /usr/bin). Its deadlines are the daemon's
 * ({@code hydra.checkpoint.timeout}, {@code hydra.runtime.timeout}).
 */
public final class CriuBackendFactory implements PluginFactory<CheckpointBackend> {
    static final String CRIU_PATH = "criu-path";

    @Override
    public Class<CheckpointBackend> type() {
        return CheckpointBackend.class;
    }

    @Override
    public String name() {
        return "criu";
    }

    @Override
    public Set<String> settingKeys() {
        return Set.of(CRIU_PATH);
    }

    @Override
    public CheckpointBackend create(PluginContext context) {
        CriuBinary criu = CriuBinary.locate(context.setting(CRIU_PATH), context.processes(),
                context.deadlines().runtime(), System.getProperty("os.version"));
        return new CriuCheckpointBackend(criu, context.processes(), context.deadlines());
    }
}
