package io.fanout.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ending what a test started: a process it launched (by its own handle, never by name) and a
 * temporary directory it made.
 */
public final class ProcessCleanup {
    private ProcessCleanup() {
    }

    /** SIGTERM, up to {@code graceSeconds} to exit, then SIGKILL; keeps the thread's interrupt flag. */
    public static void stop(Process process, long graceSeconds) {
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(graceSeconds, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes a directory tree, best effort: a temporary directory left behind is harmless. */
    public static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort, see above
        }
    }
}
