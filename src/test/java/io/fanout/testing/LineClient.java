package io.fanout.testing;

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

/**
 * A blocking line-protocol client on a real loopback socket, for tests. Reads time out
 * (SO_TIMEOUT) instead of hanging, so a missing message fails the test instead of stalling it.
 *
 * <p>Build one with {@link #builder}: a small {@code receiveBuffer} (set before connect, so
 * the TCP window is negotiated with it) and never reading makes a deterministic slow client;
 * a small {@code readChunk} makes a client that reads, but slowly.
 */
public final class LineClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] chunk;
    private int chunkPos;
    private int chunkLen;
    private boolean closedByReset;

    private LineClient(Socket socket, int readChunk) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.chunk = new byte[readChunk];
    }

    public static LineClient connect(InetSocketAddress address) throws IOException {
        return builder().connect(address);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options that must be set before the socket connects. */
    public static final class Builder {
        private int receiveBuffer;
        private int readChunk = 16 * 1024;
        private Duration readTimeout = Duration.ofSeconds(10);

        /** SO_RCVBUF in bytes, set before connect; 0 = the kernel's default (autotuned). */
        public Builder receiveBuffer(int bytes) {
            this.receiveBuffer = bytes;
            return this;
        }

        /** The most bytes one read() call asks the kernel for. */
        public Builder readChunk(int bytes) {
            this.readChunk = bytes;
            return this;
        }

        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        public LineClient connect(InetSocketAddress address) throws IOException {
            Socket s = new Socket();
            try {
                if (receiveBuffer > 0) {
                    s.setReceiveBufferSize(receiveBuffer);
                }
                s.setTcpNoDelay(true);
                s.setSoTimeout((int) readTimeout.toMillis());
                s.connect(address, 5_000);
                return new LineClient(s, readChunk);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }
    }

    public Socket socket() {
        return socket;
    }

    /** Sends the line's UTF-8 bytes and {@code \n}. */
    public void send(String line) throws IOException {
        sendRaw((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends bytes exactly as given (no terminator added). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next line without its {@code \n} as UTF-8, or null at end of stream. */
    public String readLine() throws IOException {
        byte[] line = readLineBytes();
        return line == null ? null : new String(line, StandardCharsets.UTF_8);
    }

    /**
     * The next line's bytes without {@code \n}, or null at a clean end of stream (an
     * unterminated tail before the end is returned as a last line). Throws
     * {@link SocketTimeoutException} after the read timeout.
     */
    public byte[] readLineBytes() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            if (chunkPos == chunkLen && !fill()) {
                return line.size() == 0 ? null : line.toByteArray();
            }
            for (int i = chunkPos; i < chunkLen; i++) {
                if (chunk[i] == '\n') {
                    line.write(chunk, chunkPos, i - chunkPos);
                    chunkPos = i + 1;
                    return line.toByteArray();
                }
            }
            line.write(chunk, chunkPos, chunkLen - chunkPos);
            chunkPos = chunkLen;
        }
    }

    /**
     * Reads and keeps everything until the server closes the connection (end of stream or
     * reset); returns what arrived. Fails with {@link SocketTimeoutException} if the
     * connection stays open for longer than the read timeout.
     */
    public byte[] readUntilClosed() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(chunk, chunkPos, chunkLen - chunkPos);
        chunkPos = chunkLen;
        try {
            while (fill()) {
                all.write(chunk, 0, chunkLen);
                chunkPos = chunkLen;
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (SocketException e) {
            // Connection reset: the server closed with data of ours unread. Closed all the same.
            closedByReset = true;
        }
        return all.toByteArray();
    }

    /** True if {@link #readUntilClosed} saw a reset rather than a clean end of stream. */
    public boolean closedByReset() {
        return closedByReset;
    }

    private boolean fill() throws IOException {
        int n = in.read(chunk, 0, chunk.length);
        if (n < 0) {
            chunkPos = chunkLen = 0;
            return false;
        }
        chunkPos = 0;
        chunkLen = n;
        return true;
    }

    /** Closes with an RST instead of a FIN (SO_LINGER 0): an abrupt disappearance. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
