package io.fanout.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import io.fanout.engine.Frame;
import io.fanout.engine.FramePool;
import io.fanout.engine.WriteQueue;
import io.fanout.protocol.line.LineDecoder;
import io.fanout.protocol.resp.RespArgs;
import io.fanout.protocol.resp.RespDecoder;

/**
 * The per-message and per-delivery hot paths, socket-free: decoding a read buffer full of
 * lines or pipelined PUBLISH commands, and one connection's write queue taking 64 shared
 * frames and flushing them in one gathering write. Run with {@code scripts/jmh.sh}; add
 * {@code -prof gc} to see allocation per operation (it should be ~0 B/op).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HotPathBenchmarks {
    private ByteBuffer lines;
    private ByteBuffer kilobyteLines;
    private ByteBuffer publishes;
    private final LineDecoder lineDecoder = new LineDecoder(1 << 20);
    private final RespDecoder respDecoder = new RespDecoder(1 << 20, RespDecoder.REDIS_INLINE_MAX);
    private final RespArgs args = new RespArgs();
    private FramePool pool;
    private WriteQueue queue;
    private Frame[] frames;
    private final ByteBuffer[] scratch = new ByteBuffer[1024];
    private final GatheringByteChannel sink = new NullChannel();

    @Setup
    public void setUp() {
        byte[] line = ("x".repeat(63) + "\n").getBytes(StandardCharsets.US_ASCII);
        lines = ByteBuffer.allocateDirect(64 * 1024);
        while (lines.remaining() >= line.length) {
            lines.put(line);
        }
        lines.flip();
        byte[] kilobyteLine = ("x".repeat(1023) + "\n").getBytes(StandardCharsets.US_ASCII);
        kilobyteLines = ByteBuffer.allocateDirect(64 * 1024);
        while (kilobyteLines.remaining() >= kilobyteLine.length) {
            kilobyteLines.put(kilobyteLine);
        }
        kilobyteLines.flip();
        byte[] publish = ("*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n$64\r\n" + "y".repeat(64) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        publishes = ByteBuffer.allocateDirect(64 * 1024);
        while (publishes.remaining() >= publish.length) {
            publishes.put(publish);
        }
        publishes.flip();
        pool = new FramePool(16 << 20);
        queue = new WriteQueue(pool);
        frames = new Frame[64];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = pool.acquire(90).put(new byte[90]);
        }
    }

    /** Lines found per 64 KiB read: the line protocol's decode cost. */
    @Benchmark
    public int decodeLines() {
        return countLines(lines.duplicate());
    }

    /** The same with lines of 1 KiB: the newline search dominates. */
    @Benchmark
    public int decodeKilobyteLines() {
        return countLines(kilobyteLines.duplicate());
    }

    private int countLines(ByteBuffer in) {
        int n = 0;
        while (lineDecoder.next(in) >= 0) {
            in.position(in.position() + lineDecoder.consumedBytes());
            n++;
        }
        return n;
    }

    /** Pipelined PUBLISH commands decoded per 64 KiB read: the RESP decode cost. */
    @Benchmark
    public int decodePublishes(Blackhole bh) {
        ByteBuffer in = publishes.duplicate();
        int n = 0;
        while (respDecoder.tryDecode(in, args)) {
            bh.consume(args.length(2));
            n++;
        }
        return n;
    }

    /** 64 shared frames queued to one connection and written in one gathering write. */
    @Benchmark
    public long enqueueAndFlush64() throws IOException {
        for (Frame f : frames) {
            f.retain(1);
            queue.enqueue(f, 0);
        }
        return queue.flush(sink, scratch, Long.MAX_VALUE, 1);
    }

    /** A channel that takes every byte: isolates the queue's own work from the kernel's. */
    public static final class NullChannel implements GatheringByteChannel {
        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += srcs[i].remaining();
                srcs[i].position(srcs[i].limit());
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
