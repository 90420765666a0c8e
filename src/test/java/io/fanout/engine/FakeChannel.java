package io.fanout.engine;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A socket stand-in for socket-free write-queue tests (Jetty's ByteArrayEndPoint): each
 * write takes at most {@link #acceptPerWrite} bytes (0 = the kernel's send buffer is full),
 * records them, and remembers how many buffers and bytes it was offered.
 */
final class FakeChannel implements GatheringByteChannel {
    private final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    /** Buffers offered by each gathering write call. */
    final List<Integer> buffersOffered = new ArrayList<>();
    /** Bytes offered by each gathering write call. */
    final List<Long> bytesOffered = new ArrayList<>();
    long acceptPerWrite;

    FakeChannel(long acceptPerWrite) {
        this.acceptPerWrite = acceptPerWrite;
    }

    /** Everything written so far, in order. */
    byte[] bytes() {
        return taken.toByteArray();
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long offered = 0;
        for (int i = offset; i < offset + length; i++) {
            offered += srcs[i].remaining();
        }
        buffersOffered.add(length);
        bytesOffered.add(offered);
        long budget = acceptPerWrite;
        long written = 0;
        for (int i = offset; i < offset + length && budget > 0; i++) {
            ByteBuffer b = srcs[i];
            int n = (int) Math.min(budget, b.remaining());
            byte[] copy = new byte[n];
            b.get(copy);
            taken.write(copy, 0, n);
            budget -= n;
            written += n;
        }
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
