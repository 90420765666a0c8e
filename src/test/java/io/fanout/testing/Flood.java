package io.fanout.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Many connections that each send the same bytes, from one thread with non-blocking sockets:
 * the shape of an attack by unfinished requests. A connection the server closes simply stops
 * (its write fails); the flood ends when every connection has sent everything or failed, or
 * at the deadline.
 */
public final class Flood implements AutoCloseable {
    private final List<SocketChannel> channels = new ArrayList<>();
    private int failed;

    /** Opens {@code count} connections to {@code address} (those refused count as failed). */
    public static Flood open(InetSocketAddress address, int count) {
        Flood f = new Flood();
        for (int i = 0; i < count; i++) {
            try {
                SocketChannel ch = SocketChannel.open(address);
                ch.configureBlocking(false);
                f.channels.add(ch);
            } catch (IOException e) {
                f.failed++;
            }
        }
        return f;
    }

    /** Sends {@code bytes} on every connection; returns how many connections failed. */
    public int sendOnEach(byte[] bytes, Duration deadline) {
        int n = channels.size();
        ByteBuffer[] views = new ByteBuffer[n];
        boolean[] done = new boolean[n];
        for (int i = 0; i < n; i++) {
            views[i] = ByteBuffer.wrap(bytes);
        }
        int remaining = n;
        long end = System.nanoTime() + deadline.toNanos();
        while (remaining > 0 && System.nanoTime() < end) {
            boolean progress = false;
            for (int i = 0; i < n; i++) {
                if (done[i]) {
                    continue;
                }
                try {
                    if (channels.get(i).write(views[i]) > 0) {
                        progress = true;
                    }
                    if (!views[i].hasRemaining()) {
                        done[i] = true;
                        remaining--;
                    }
                } catch (IOException e) {
                    done[i] = true;
                    remaining--;
                    failed++;
                }
            }
            if (!progress) {
                LockSupport.parkNanos(1_000_000L);
            }
        }
        return failed;
    }

    @Override
    public void close() {
        for (SocketChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
    }
}
