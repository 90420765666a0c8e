package io.fanout.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.fanout.broker.Broker;
import io.fanout.broker.JmhPublications;
import io.fanout.broker.Origin;
import io.fanout.broker.Publication;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.broker.WireForm;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;
import io.fanout.engine.Engine;
import io.fanout.engine.EventLoop;
import io.fanout.engine.Frame;
import io.fanout.engine.FramePool;
import io.fanout.engine.JmhConnections;
import io.fanout.engine.Protocol;
import io.fanout.protocol.http.SseWireForm;
import io.fanout.protocol.line.LineWireForm;
import io.fanout.protocol.ws.WsFrameDecoder;
import io.fanout.protocol.ws.WsJsonWireForm;
import io.fanout.protocol.ws.WsRawWireForm;

/**
 * The browser forms on the hot path: one message encoded in each WebSocket/SSE form, one
 * message fanned out to 100 subscribers of a form (encode once, share by reference, drain
 * every queue into a null channel), and a read buffer of masked client frames decoded.
 * Run: {@code scripts/jmh.sh WebFormBenchmarks -prof gc}; the fan-out should show ~0 B/op
 * whatever the number of subscribers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class WebFormBenchmarks {
    /** line, ws (raw frame), json (fanout.json frame), sse (plain event). */
    @Param({"line", "ws", "json", "sse"})
    public String form;

    private static final int SUBSCRIBERS = 100;
    private final byte[] channel = "bench".getBytes(StandardCharsets.US_ASCII);
    private ByteBuffer payload;
    private Publication publication;
    private FramePool pool;
    private WireForm wireForm;
    private Engine engine;
    private EventLoop loop;
    private Broker broker;
    private final List<Connection> subscribers = new ArrayList<>();
    private final ByteBuffer[] scratch = new ByteBuffer[1024];
    private final HotPathBenchmarks.NullChannel sink = new HotPathBenchmarks.NullChannel();
    private ByteBuffer maskedFrames;
    private final WsFrameDecoder wsDecoder = new WsFrameDecoder(1 << 20);
    private final WsFrameDecoder.Listener ignore = new WsFrameDecoder.Listener() {
        @Override
        public void onMessage(boolean text, ByteBuffer p) {
        }

        @Override
        public void onPing(ByteBuffer p) {
        }

        @Override
        public void onPong(ByteBuffer p) {
        }

        @Override
        public void onClose(int code, String reason) {
        }
    };

    @Setup
    public void setUp() throws IOException {
        payload = ByteBuffer.allocateDirect(64);
        String text = "{\"user\":\"ann\",\"text\":\"hello there\"}";
        payload.put((text + " ".repeat(64 - text.length())).getBytes(StandardCharsets.US_ASCII)).flip();
        publication = JmhPublications.of(channel, payload);
        pool = new FramePool(16 << 20);
        List<WireForm> forms = List.of(new LineWireForm(0), new WsRawWireForm(1), new WsJsonWireForm(2),
                new SseWireForm(3, false));
        wireForm = forms.get(switch (form) {
            case "line" -> 0;
            case "ws" -> 1;
            case "json" -> 2;
            default -> 3;
        });
        engine = JmhConnections.engine();
        loop = engine.loops().get(0);
        broker = new Broker(engine.loops(), forms);
        Protocol protocol = new Protocol() {
            @Override
            public String name() {
                return "bench";
            }

            @Override
            public ConnectionHandler open(Connection connection) {
                return null;
            }

            @Override
            public byte[] maxClientsReply() {
                return new byte[0];
            }
        };
        for (int i = 0; i < SUBSCRIBERS; i++) {
            Connection c = JmhConnections.connection(loop, i, protocol);
            broker.subscribe(c, wireForm, TopicKind.CHANNEL, new TopicName(channel));
            subscribers.add(c);
        }
        maskedFrames = ByteBuffer.allocateDirect(64 * 1024);
        byte[] key = {0, 0, 0, 0}; // a legal key that keeps the in-place unmask repeatable
        while (maskedFrames.remaining() >= 70) {
            maskedFrames.put((byte) 0x81).put((byte) (0x80 | 64)).put(key);
            for (int i = 0; i < 64; i++) {
                maskedFrames.put((byte) ('a' ^ key[i & 3]));
            }
        }
        maskedFrames.flip();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        engine.close();
    }

    /** One 64-byte message written in this form into a pooled frame (the per-message cost). */
    @Benchmark
    public int encodeOnce() {
        int n = wireForm.encodedLength(publication, null);
        Frame f = pool.acquire(n);
        wireForm.writeTo(f, publication, null);
        int len = f.length();
        f.release(pool);
        return len;
    }

    /** One message to 100 subscribers of this form, then every queue drained: ~0 B/op expected. */
    @Benchmark
    public long fanOutTo100() throws IOException {
        int receivers = broker.publish(loop, TopicKind.CHANNEL, channel, payload, Origin.LOCAL);
        long written = receivers;
        for (int i = 0; i < subscribers.size(); i++) {
            written += subscribers.get(i).writeQueue().flush(sink, scratch, Long.MAX_VALUE, 0);
        }
        return written;
    }

    /** A 64 KiB read of masked 64-byte client text frames: unmask, UTF-8 check, hand over. */
    @Benchmark
    public int decodeMaskedFrames() {
        // Unmasking is in place; with the zero key the bytes stay the same for the next run.
        ByteBuffer in = maskedFrames.duplicate();
        wsDecoder.decode(in, ignore);
        return in.position();
    }
}
