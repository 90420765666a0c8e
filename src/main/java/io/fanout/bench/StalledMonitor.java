package io.fanout.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Tells when the server cut the stalled subscribers. A subscriber that never reads cannot
 * see its own end: the server's FIN waits behind the data its full receive window refuses.
 * So a separate RESP connection asks the server every {@link #POLL_NANOS} with
 * {@code CLIENT LIST ID <ids>} (Redis 6.2+ and fanout) which of them still exist; the first
 * poll that misses one dates its cut. The reply is a few hundred bytes per stalled client,
 * ten times a second: noise the measured server can afford.
 *
 * <p>If the server rejects the command, the monitor stops and the cuts are dated when the
 * stalled subscribers read again after the run. Threads: its own; the subscribers'
 * {@code serverGoneAtNanos} are volatile.
 */
final class StalledMonitor implements Runnable {
    static final long POLL_NANOS = 100_000_000L;

    private final Socket socket;
    private final List<Subscriber> watched;
    private final Thread thread;
    private volatile boolean running = true;
    volatile String unavailableReason;

    StalledMonitor(Socket socket, List<Subscriber> watched) {
        this.socket = socket;
        this.watched = watched;
        this.thread = new Thread(this, "bench-stalled-monitor");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        StringBuilder command = new StringBuilder();
        int ids = 0;
        for (Subscriber s : watched) {
            if (s.clientId >= 0) {
                ids++;
            }
        }
        if (ids == 0) {
            unavailableReason = "the server did not answer CLIENT ID";
            return;
        }
        command.append('*').append(3 + ids).append("\r\n$6\r\nCLIENT\r\n$4\r\nLIST\r\n$2\r\nID\r\n");
        for (Subscriber s : watched) {
            if (s.clientId >= 0) {
                String id = Long.toString(s.clientId);
                command.append('$').append(id.length()).append("\r\n").append(id).append("\r\n");
            }
        }
        byte[] request = command.toString().getBytes(StandardCharsets.US_ASCII);
        try {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            while (running) {
                long polledAt = System.nanoTime();
                out.write(request);
                out.flush();
                String reply = readReply(in);
                if (reply == null) {
                    return;
                }
                markMissing(reply, polledAt);
                LockSupport.parkNanos(POLL_NANOS);
            }
        } catch (IOException e) {
            if (running) {
                unavailableReason = "monitor connection failed: " + e.getMessage();
            }
        }
    }

    private void markMissing(String clientList, long polledAt) {
        Set<Long> present = new HashSet<>();
        for (String line : clientList.split("\n")) {
            if (line.startsWith("id=")) {
                int end = line.indexOf(' ');
                try {
                    present.add(Long.parseLong(line.substring(3, end < 0 ? line.length() : end)));
                } catch (NumberFormatException ignored) {
                    // not a line we understand
                }
            }
        }
        for (Subscriber s : watched) {
            if (s.clientId >= 0 && s.serverGoneAtNanos < 0 && !present.contains(s.clientId)) {
                s.serverGoneAtNanos = polledAt;
            }
        }
    }

    /** A bulk string reply, or null (and a reason) for an error or anything else. */
    private String readReply(InputStream in) throws IOException {
        String header = readLine(in);
        if (header.startsWith("$")) {
            int length = Integer.parseInt(header.substring(1));
            if (length < 0) {
                return "";
            }
            byte[] body = in.readNBytes(length + 2);
            if (body.length < length + 2) {
                throw new IOException("connection closed mid-reply");
            }
            return new String(body, 0, length, StandardCharsets.UTF_8);
        }
        if (header.startsWith("=")) { // RESP3 verbatim string: never asked for, but harmless
            unavailableReason = "unexpected RESP3 reply";
            return null;
        }
        unavailableReason = "CLIENT LIST ID refused: " + header;
        return null;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
    }

    void stopAndJoin(long timeoutMillis) throws InterruptedException {
        running = false;
        Closeables.closeQuietly(socket); // unblocks a read in progress
        thread.join(timeoutMillis);
    }
}
