package io.fanout.protocol.resp;

import java.nio.charset.StandardCharsets;

import io.fanout.broker.Publication;
import io.fanout.broker.TopicKind;
import io.fanout.broker.WireForm;
import io.fanout.engine.Frame;

/**
 * A published message as a Redis subscriber receives it: RESP2 array or RESP3 push of
 * {@code message channel payload}, {@code pmessage pattern channel payload} or
 * {@code smessage channel payload}. Encoded once per message and shared by every subscriber
 * of the same protocol version. Stateless; integers are written as ASCII without Strings.
 */
public final class RespWireForm implements WireForm {
    private static final byte[] MESSAGE = bulkConstant("message");
    private static final byte[] PMESSAGE = bulkConstant("pmessage");
    private static final byte[] SMESSAGE = bulkConstant("smessage");
    private static final byte[] CRLF = {'\r', '\n'};

    private final int index;
    private final int protocolVersion;
    /** The fixed start of each kind of frame ("*3\r\n$7\r\nmessage\r\n"): one put, not six. */
    private final byte[] messageHead;
    private final byte[] smessageHead;
    private final byte[] pmessageHead;

    /** @param protocolVersion 2 (arrays) or 3 (push frames) */
    public RespWireForm(int index, int protocolVersion) {
        this.index = index;
        this.protocolVersion = protocolVersion;
        byte aggregateType = protocolVersion == 3 ? (byte) '>' : (byte) '*';
        this.messageHead = head(aggregateType, '3', MESSAGE);
        this.smessageHead = head(aggregateType, '3', SMESSAGE);
        this.pmessageHead = head(aggregateType, '4', PMESSAGE);
    }

    private static byte[] head(byte aggregateType, char count, byte[] kind) {
        byte[] head = new byte[4 + kind.length];
        head[0] = aggregateType;
        head[1] = (byte) count;
        head[2] = '\r';
        head[3] = '\n';
        System.arraycopy(kind, 0, head, 4, kind.length);
        return head;
    }

    public int protocolVersion() {
        return protocolVersion;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int encodedLength(Publication p, byte[] pattern) {
        int n = 4 + bulkSize(p.channel().length) + bulkSize(p.payloadLength());
        if (pattern == null) {
            return n + (p.kind() == TopicKind.SHARD ? SMESSAGE.length : MESSAGE.length);
        }
        return n + PMESSAGE.length + bulkSize(pattern.length);
    }

    @Override
    public void writeTo(Frame f, Publication p, byte[] pattern) {
        if (pattern == null) {
            f.put(p.kind() == TopicKind.SHARD ? smessageHead : messageHead);
        } else {
            f.put(pmessageHead);
            putBulk(f, pattern);
        }
        putBulk(f, p.channel());
        putBulkHeader(f, p.payloadLength());
        f.put(p.payload()).put(CRLF);
    }

    private static int bulkSize(int length) {
        return 1 + digits(length) + 2 + length + 2;
    }

    private static void putBulk(Frame f, byte[] bytes) {
        putBulkHeader(f, bytes.length);
        f.put(bytes).put(CRLF);
    }

    private static void putBulkHeader(Frame f, int length) {
        f.put((byte) '$');
        putDigits(f, length);
        f.put(CRLF);
    }

    /** Writes a non-negative int as ASCII digits, most significant first, no allocation. */
    static void putDigits(Frame f, int value) {
        int d = digits(value);
        int divisor = 1;
        for (int i = 1; i < d; i++) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            f.put((byte) ('0' + (value / divisor) % 10));
        }
    }

    /** Decimal digits of a non-negative int; comparisons, not divisions (asked twice a message). */
    static int digits(int value) {
        if (value < 10_000) {
            return value < 100 ? (value < 10 ? 1 : 2) : (value < 1000 ? 3 : 4);
        }
        int d = 5;
        for (int bound = 100_000; d < 10 && value >= bound; bound *= 10) {
            d++;
        }
        return d;
    }

    private static byte[] bulkConstant(String s) {
        return ("$" + s.length() + "\r\n" + s + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
