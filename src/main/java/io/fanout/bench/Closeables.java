package io.fanout.bench;

import java.io.Closeable;
import java.io.IOException;

/** Closing sockets and selectors at the end of a run, when a failure to close changes nothing. */
final class Closeables {
    private Closeables() {
    }

    static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // The run is ending or the peer is gone: nothing is left to do with it.
        }
    }
}
