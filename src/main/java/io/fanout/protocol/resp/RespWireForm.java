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
    private final byte aggregateType;
    private final int protocolVersion;

    /** @param protocolVersion 2 (arrays) or 3 (push frames) */
    public RespWireForm(int index, int protocolVersion) {
        this.index = index;
        this.protocolVersion = protocolVersion;
        this.aggregateType = protocolVersion == 3 ? (byte) '>' : (byte) '*';
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
            byte[] kind = p.kind() == TopicKind.SHARD ? SMESSAGE : MESSAGE;
            f.put(aggregateType).put((byte) '3').put(CRLF).put(kind);
        } else {
            f.put(aggregateType).put((byte) '4').put(CRLF).put(PMESSAGE);
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

    static int digits(int value) {
        int d = 1;
        while (value >= 10) {
            value /= 10;
            d++;
        }
        return d;
    }

    private static byte[] bulkConstant(String s) {
        return ("$" + s.length() + "\r\n" + s + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
