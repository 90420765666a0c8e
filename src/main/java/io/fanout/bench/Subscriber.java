package io.fanout.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One subscriber connection and what it has seen ({@link SequenceTracker}).
 *
 * <p>Lifecycle: connected and told to subscribe by the coordinating thread, then owned by
 * one {@link SubscriberLoop}: setup (waiting for the subscribe confirmation or a probe),
 * ready, and possibly cut. A stalled subscriber stops reading once ready and reads again
 * only after the run, to find out whether the server cut it. Counters are read by the
 * coordinating thread after the loop thread has ended.
 */
final class Subscriber implements FrameSink {
    final int index;
    final boolean stalled;
    final SocketChannel channel;
    /** The incomplete frame left at the end of the last read, copied back in front of the next. */
    ByteBuffer carry;
    final SequenceTracker sequences;
    private SubscriberLoop loop;
    SelectionKey key;

    long received;
    long measured;
    long foreign;

    boolean ready;
    boolean failed;
    String firstError;
    long clientId = -1;
    /** RESP, stalled: the first reply answers CLIENT ID (an error there only disables the monitor). */
    boolean awaitingClientId;
    /** nanoTime when this side saw the connection end; -1 while open. */
    long closedAtNanos = -1;
    String closeReason;
    /** nanoTime when a server-side view (CLIENT LIST) first missed this client; -1 if never. */
    volatile long serverGoneAtNanos = -1;

    Subscriber(int index, boolean stalled, SocketChannel channel, int publishers, int carryBytes) {
        this.index = index;
        this.stalled = stalled;
        this.channel = channel;
        this.carry = ByteBuffer.allocateDirect(carryBytes);
        this.sequences = new SequenceTracker(publishers);
    }

    void attach(SubscriberLoop owner) {
        this.loop = owner;
    }

    boolean isCut() {
        return closedAtNanos >= 0;
    }

    @Override
    public void onMessage(ByteBuffer src, int offset, int length) {
        PayloadHeader h = loop.header;
        if (!h.tryDecode(src, offset, length) || h.publisher >= sequences.publishers()) {
            foreign++;
            return;
        }
        received++;
        sequences.onSequence(h.publisher, h.sequence);
        if (!stalled && loop.maybeRecord(h.sentNanos)) {
            measured++;
        }
    }

    @Override
    public void onSubscribed() {
        loop.onReady(this);
    }

    @Override
    public void onProbe() {
        loop.onReady(this);
    }

    @Override
    public void onInteger(long value) {
        if (awaitingClientId) {
            awaitingClientId = false;
            clientId = value;
        }
    }

    @Override
    public void onError(ByteBuffer src, int offset, int length) {
        if (awaitingClientId) {
            awaitingClientId = false;
            return;
        }
        if (firstError == null) {
            byte[] text = new byte[Math.min(length, 200)];
            src.get(offset, text);
            firstError = new String(text, StandardCharsets.UTF_8);
        }
        if (!ready) {
            loop.onSetupFailed(this);
        }
    }
}
