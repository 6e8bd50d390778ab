package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

/**
 * Watches the directory where every conmon writes {@code <containerId>} when its container exits (inotify through
 * WatchService) and hands the id on. The periodic reconcile pass covers anything inotify drops on overflow.
 */
public final class ExitFileWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ExitFileWatcher.class);

    private final WatchService watchService;
    private final Thread thread;

    public ExitFileWatcher(Path exitDir, Consumer<String> onExitFile) throws IOException {
        watchService = FileSystems.getDefault().newWatchService();
        exitDir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        thread = new Thread(() -> {
            try {
                while (true) {
                    WatchKey key = watchService.take();
                    for (WatchEvent<?> event : key.pollEvents()) {
                        if (event.context() instanceof Path name) {
                            onExitFile.accept(name.toString());
                        }
                    }
                    key.reset();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // shutting down
            } catch (RuntimeException e) {
                LOG.error("exit file watcher stopped", e);
            }
        }, "exit-file-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        watchService.close();
    }
}
