package io.hydra.runtime;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/** {@code hydra daemon}: runs until signalled; a start-up failure is printed as one clear line, exit status 1. */
@QuarkusMain
public class HydraDaemonMain implements QuarkusApplication {
    public static void main(String... args) {
        Quarkus.run(HydraDaemonMain.class, (status, failure) -> {
            if (failure != null) {
                Throwable root = failure;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                System.err.println("hydra daemon: " + root.getMessage());
                System.exit(1);
            }
            System.exit(status);
        }, args);
    }

    @Override
    public int run(String... args) {
        Quarkus.waitForExit();
        return 0;
    }
}
