package io.fanout.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain blocking socket, for tests that need what a library will not
 * do: send unmasked or reserved frames, split frames anywhere, never read (a slow consumer
 * with a small SO_RCVBUF), and see the server's frames byte for byte.
 */
public final class RawWsClient implements AutoCloseable {
    /** One frame from the server. */
    public record Frame(boolean fin, int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame (1005 when it has none). */
        public int closeCode() {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        public String closeReason() {
            return payload.length < 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private String responseHead;

    private RawWsClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and sends the upgrade request with {@code extraHeaders} (whole CRLF lines). */
    public static RawWsClient open(InetSocketAddress addr, String path, String extraHeaders, int receiveBuffer)
            throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        s.connect(addr, 5_000);
        RawWsClient c = new RawWsClient(s);
        String key = Base64.getEncoder().encodeToString(new byte[16]);
        c.out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        c.out.flush();
        return c;
    }

    /** Opens and reads the 101 answer; fails if the status is another. */
    public static RawWsClient connect(InetSocketAddress addr, String path) throws IOException {
        RawWsClient c = open(addr, path, "", 0);
        String head = c.readResponseHead();
        if (!head.startsWith("HTTP/1.1 101 ")) {
            c.close();
            throw new IOException("no upgrade: " + head);
        }
        return c;
    }

    public Socket socket() {
        return socket;
    }

    /** Reads the response head (through the blank line) as text. */
    public String readResponseHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1 : 0;
        }
        responseHead = head.toString(StandardCharsets.ISO_8859_1);
        return responseHead;
    }

    /** A masked frame with a random key. */
    public static byte[] maskedFrame(boolean fin, int opcode, byte[] payload) {
        byte[] key = new byte[4];
        ThreadLocalRandom.current().nextBytes(key);
        return frame(fin, opcode, payload, key, 0);
    }

    /** Any frame: {@code key} null = unmasked; {@code rsv} are bits 4-6 of the first byte. */
    public static byte[] frame(boolean fin, int opcode, byte[] payload, byte[] key, int rsv) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
        int mask = key == null ? 0 : 0x80;
        int n = payload.length;
        if (n < 126) {
            f.write(mask | n);
        } else if (n <= 0xFFFF) {
            f.write(mask | 126);
            f.write(n >>> 8);
            f.write(n);
        } else {
            f.write(mask | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) ((long) n >>> shift));
            }
        }
        if (key != null) {
            f.write(key, 0, 4);
            for (int i = 0; i < n; i++) {
                f.write(payload[i] ^ key[i & 3]);
            }
        } else {
            f.write(payload, 0, n);
        }
        return f.toByteArray();
    }

    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void sendText(String text) throws IOException {
        sendRaw(maskedFrame(true, 0x1, text.getBytes(StandardCharsets.UTF_8)));
    }

    public void sendBinary(byte[] payload) throws IOException {
        sendRaw(maskedFrame(true, 0x2, payload));
    }

    /** The next frame; throws EOFException at end of stream. */
    public Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        if ((b1 & 0x80) != 0) {
            throw new IOException("server frames must not be masked");
        }
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new Frame((b0 & 0x80) != 0, b0 & 0x0F, payload);
    }

    /** The next frame that is not a ping (pings are answered as a browser would). */
    public Frame readDataOrClose() throws IOException {
        while (true) {
            Frame f = readFrame();
            if (f.opcode() == 0x9) {
                sendRaw(maskedFrame(true, 0xA, f.payload()));
                continue;
            }
            return f;
        }
    }

    /** True once the server has closed the TCP connection (end of stream or reset). */
    public boolean readsEndOfStream() throws IOException {
        try {
            InputStream s = socket.getInputStream();
            while (true) {
                int n = s.read(new byte[4096]);
                if (n < 0) {
                    return true;
                }
            }
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
