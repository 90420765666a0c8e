package io.fanout.protocol.resp.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A byte script for differential tests: what each of one or more connections sends, and how
 * many replies to wait for after each send, in one global order (so "A subscribes, B
 * publishes, A receives" runs the same way on both servers).
 *
 * <p>{@link #run} plays the script against one server and returns every byte each connection
 * received. After the last step, every connection the server did not close sends one more
 * PING and waits for its reply: whatever a server sent beyond the expected replies then
 * shows up in place of that reply, so extra or missing bytes always make the transcripts
 * differ. A connection the script expects the server to close is read until the stream ends.
 */
final class RespScript {
    /** HELLO's "id" differs between servers: the one value normalised before comparing. */
    private static final Pattern HELLO_ID = Pattern.compile("\\$2\r\nid\r\n:[0-9]+\r\n");
    private static final byte[] PING = RespConnection.command("PING");

    private sealed interface Step permits Send, Expect, ExpectUntil, Closes {
        int connection();
    }

    private record Send(int connection, byte[] bytes) implements Step {
    }

    private record Expect(int connection, int replies) implements Step {
    }

    private record ExpectUntil(int connection, byte[] reply) implements Step {
    }

    private record Closes(int connection) implements Step {
    }

    private final String name;
    private final List<Step> steps = new ArrayList<>();
    private int current;
    private boolean unordered;

    private RespScript(String name) {
        this.name = name;
    }

    static RespScript named(String name) {
        return new RespScript(name);
    }

    /** A one-connection script: send one command, expect {@code replies} replies. */
    static RespScript of(int replies, String... command) {
        return named(String.join(" ", command)).send(command).expect(replies);
    }

    /** A one-connection script of raw bytes (ISO-8859-1 text, so any byte can be written). */
    static RespScript raw(String name, String bytes, int replies) {
        return named(name).sendRaw(bytes).expect(replies);
    }

    String name() {
        return name;
    }

    /** The following steps act on connection {@code i} (opened on first use). */
    RespScript on(int i) {
        current = i;
        return this;
    }

    RespScript send(String... command) {
        return send(RespConnection.command(command));
    }

    RespScript send(byte[] bytes) {
        steps.add(new Send(current, bytes));
        return this;
    }

    RespScript sendRaw(String iso88591) {
        return send(iso88591.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Waits until {@code n} more replies have arrived on the current connection. */
    RespScript expect(int n) {
        steps.add(new Expect(current, n));
        return this;
    }

    /** Waits until a reply equal to {@code reply} (exact bytes) arrives on the current connection. */
    RespScript expectUntil(byte[] reply) {
        steps.add(new ExpectUntil(current, reply));
        return this;
    }

    /** The server must close the current connection: read until the end of the stream. */
    RespScript closes() {
        steps.add(new Closes(current));
        return this;
    }

    /**
     * Compare each reply with the elements of its aggregates sorted: for replies whose order
     * Redis leaves to its hash tables (PUBSUB CHANNELS).
     */
    RespScript unordered() {
        unordered = true;
        return this;
    }

    /** Plays the script on a server; returns each connection's replies, in connection order. */
    Map<Integer, List<RespValue>> run(InetSocketAddress server) throws IOException {
        Map<Integer, RespConnection> connections = new TreeMap<>();
        Map<Integer, List<RespValue>> replies = new TreeMap<>();
        Map<Integer, Boolean> closedExpected = new TreeMap<>();
        try {
            for (Step step : steps) {
                RespConnection c = connections.get(step.connection());
                if (c == null) {
                    c = RespConnection.open(server);
                    connections.put(step.connection(), c);
                    replies.put(step.connection(), new ArrayList<>());
                }
                List<RespValue> got = replies.get(step.connection());
                if (step instanceof Send s) {
                    sendQuietly(c, s.bytes());
                } else if (step instanceof Expect e) {
                    got.addAll(c.read(e.replies()));
                } else if (step instanceof ExpectUntil u) {
                    readUntil(c, u.reply(), got);
                } else if (step instanceof Closes) {
                    got.addAll(c.readUntilClosed());
                    closedExpected.put(step.connection(), true);
                }
            }
            for (Map.Entry<Integer, RespConnection> e : connections.entrySet()) {
                RespConnection c = e.getValue();
                if (closedExpected.containsKey(e.getKey()) || c.isClosedByServer()) {
                    continue;
                }
                sendQuietly(c, PING);
                replies.get(e.getKey()).addAll(c.read(1));
            }
        } finally {
            for (RespConnection c : connections.values()) {
                c.close();
            }
        }
        return replies;
    }

    private static void readUntil(RespConnection c, byte[] reply, List<RespValue> got) throws IOException {
        while (true) {
            List<RespValue> one = c.read(1);
            got.addAll(one);
            if (one.isEmpty() || Arrays.equals(one.get(0).raw(), reply)) {
                return;
            }
        }
    }

    /** A server that already closed may refuse our bytes; the transcripts will show it. */
    private static void sendQuietly(RespConnection c, byte[] bytes) {
        try {
            c.send(bytes);
        } catch (IOException e) {
            // closed by the server: nothing more to send
        }
    }

    /**
     * Null when the two runs received the same bytes on every connection (after normalising
     * HELLO ids, and sorting aggregates if {@link #unordered()}); else a description of the
     * first difference with both transcripts.
     */
    String difference(Map<Integer, List<RespValue>> fanout, Map<Integer, List<RespValue>> redis) {
        for (Integer conn : redis.keySet()) {
            String f = canonical(fanout.getOrDefault(conn, List.of()));
            String r = canonical(redis.get(conn));
            if (!f.equals(r)) {
                return "script '" + name + "', connection " + conn + " differs\n  fanout: " + escape(f)
                        + "\n  redis : " + escape(r);
            }
        }
        return null;
    }

    private String canonical(List<RespValue> replies) {
        StringBuilder sb = new StringBuilder();
        for (RespValue v : replies) {
            sb.append(unordered ? sorted(v) : new String(v.raw(), StandardCharsets.ISO_8859_1));
        }
        return HELLO_ID.matcher(sb).replaceAll("\\$2\r\nid\r\n:<id>\r\n");
    }

    private static String sorted(RespValue v) {
        if (!v.isAggregate()) {
            return new String(v.raw(), StandardCharsets.ISO_8859_1);
        }
        List<String> parts = new ArrayList<>();
        for (RespValue child : v.children()) {
            parts.add(sorted(child));
        }
        parts.sort(Comparator.naturalOrder());
        return v.type() + String.valueOf(v.size()) + "\r\n" + String.join("", parts);
    }

    private static String escape(String iso) {
        return RespValue.escape(iso.getBytes(StandardCharsets.ISO_8859_1));
    }
}
