package io.hydra.checkpoint.criu;

import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;

/** The {@code criu} checkpoint backend: the OCI runtime's checkpoint command, which drives CRIU. */
public final class CriuBackendFactory implements PluginFactory<CheckpointBackend> {
    @Override
    public Class<CheckpointBackend> type() {
        return CheckpointBackend.class;
    }

    @Override
    public String name() {
        return "criu";
    }

    @Override
    public CheckpointBackend create(PluginContext context) {
        return new CriuCheckpointBackend(CriuBinary.locate(context.setting("criu-path")),
                Long.parseLong(context.setting("timeout-seconds", "600")));
    }
}
