package io.fanout.protocol.resp.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A raw RESP client on a plain blocking socket, for byte-exact tests: sends bytes as given,
 * keeps every byte received (the transcript) and parses replies out of it. Reads wait for a
 * number of replies, or for the end of the stream, with a deadline — never for a fixed time.
 */
public final class RespConnection implements AutoCloseable {
    /** Long enough for a loaded CI box; a missing reply fails the test after this. */
    public static final Duration DEADLINE = Duration.ofSeconds(5);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private byte[] received = new byte[8192];
    private int receivedLength;
    private int parsedUpTo;
    private boolean endOfStream;

    private RespConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public static RespConnection open(InetSocketAddress address) throws IOException {
        return open(address, 0);
    }

    /** @param receiveBuffer SO_RCVBUF set before connecting (0 = the kernel's default) */
    public static RespConnection open(InetSocketAddress address, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.setTcpNoDelay(true);
            s.connect(address, 5_000);
            return new RespConnection(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** A RESP multibulk request of the given arguments (UTF-8). */
    public static byte[] command(String... args) {
        byte[][] bytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return command(bytes);
    }

    public static byte[] command(byte[]... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            b.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(a);
            b.writeBytes(new byte[] {'\r', '\n'});
        }
        return b.toByteArray();
    }

    public Socket socket() {
        return socket;
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void send(String... commandArgs) throws IOException {
        send(command(commandArgs));
    }

    /** Sends a command and returns its single reply. */
    public RespValue call(String... commandArgs) throws IOException {
        send(command(commandArgs));
        return readOne();
    }

    public RespValue readOne() throws IOException {
        List<RespValue> r = read(1);
        if (r.isEmpty()) {
            throw new AssertionError("connection closed before a reply; received: " + transcriptText());
        }
        return r.get(0);
    }

    /**
     * Waits for {@code n} more replies; returns fewer only if the server closed the
     * connection first. Fails after {@link #DEADLINE}.
     */
    public List<RespValue> read(int n) throws IOException {
        return read(n, DEADLINE);
    }

    public List<RespValue> read(int n, Duration deadline) throws IOException {
        List<RespValue> replies = new ArrayList<>();
        long end = System.nanoTime() + deadline.toNanos();
        while (replies.size() < n) {
            RespValue v = tryParse();
            if (v != null) {
                replies.add(v);
                continue;
            }
            if (endOfStream) {
                return replies;
            }
            fill(end, () -> "waiting for " + n + " replies, got " + replies.size());
        }
        return replies;
    }

    /** Reads until the server closes the connection; fails if it stays open past the deadline. */
    public List<RespValue> readUntilClosed() throws IOException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        List<RespValue> replies = new ArrayList<>();
        while (true) {
            RespValue v = tryParse();
            if (v != null) {
                replies.add(v);
                continue;
            }
            if (endOfStream) {
                return replies;
            }
            fill(end, () -> "waiting for the server to close the connection");
        }
    }

    /** True once the server closed the connection (end of stream or reset seen). */
    public boolean isClosedByServer() {
        return endOfStream;
    }

    /** Every byte received so far. */
    public byte[] transcript() {
        return Arrays.copyOf(received, receivedLength);
    }

    public String transcriptText() {
        return RespValue.escape(transcript());
    }

    private RespValue tryParse() {
        if (parsedUpTo == receivedLength) {
            return null;
        }
        RespValue v = RespValue.parse(received, parsedUpTo, receivedLength);
        if (v != null) {
            parsedUpTo += v.raw().length;
        }
        return v;
    }

    private void fill(long deadlineNanos, java.util.function.Supplier<String> what) throws IOException {
        long leftMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (leftMillis <= 0) {
            throw new AssertionError("timed out " + what.get() + "; received: " + transcriptText());
        }
        socket.setSoTimeout((int) Math.max(1, leftMillis));
        if (receivedLength == received.length) {
            received = Arrays.copyOf(received, received.length * 2);
        }
        int n;
        try {
            n = in.read(received, receivedLength, received.length - receivedLength);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("timed out " + what.get() + "; received: " + transcriptText());
        } catch (SocketException e) {
            n = -1; // reset: the server closed with bytes of ours unread; closed all the same
        }
        if (n < 0) {
            endOfStream = true;
        } else {
            receivedLength += n;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
