package io.hydra.conmon;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches the directory where every conmon of one strategy writes {@code <containerId>} when its container exits
 * (inotify through WatchService) and hands the id on. The daemon's periodic pass covers what inotify drops.
 */
final class ExitDirWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ExitDirWatcher.class.getName());

    private final WatchService watchService;

    ExitDirWatcher(Path exitDir, Consumer<String> onExitFile) throws IOException {
        watchService = FileSystems.getDefault().newWatchService();
        exitDir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        Thread thread = new Thread(() -> {
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
                LOG.log(Level.SEVERE, "exit file watcher stopped", e);
            }
        }, "exit-file-watcher-" + exitDir.getParent().getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        watchService.close();
    }
}
