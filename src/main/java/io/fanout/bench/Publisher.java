package io.fanout.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One publisher connection: an output buffer that frames are encoded into (kept in write
 * mode: data is [0, position)), an input buffer for the replies (RESP) or the lines it
 * receives back (line protocol: every line client gets every line, its own too).
 *
 * <p>Owned by the {@link PublisherLoop} thread once it starts; the coordinating thread
 * reads the counters after that thread has ended.
 */
final class Publisher {
    final int id;
    final SocketChannel channel;
    final ByteBuffer out;
    final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    SelectionKey key;
    boolean wantsWrite;

    long nextSequence;
    int outstandingReplies;
    long replies;
    long errorReplies;
    String firstError;
    long receivedLineBytes;
    boolean closed;
    String closeReason;
    /** Open loop: every message of the measured window has been sent. */
    boolean scheduleDone;

    /** RESP reply scanner state, carried across reads. */
    boolean atLineStart = true;
    boolean inErrorLine;
    StringBuilder errorText;

    Publisher(int id, SocketChannel channel, int outBytes) {
        this.id = id;
        this.channel = channel;
        this.out = ByteBuffer.allocateDirect(outBytes);
    }
}
