package io.fanout.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the acceptor does when the process runs out of file descriptors. accept() then fails
 * at once, every time, while the pending connection stays ready: retrying at once is a busy
 * spin that logs a line per attempt and never answers the client. Instead:
 * <ul>
 *   <li>accepting pauses (the listeners lose OP_ACCEPT) for 100 ms, doubling up to 1 s while
 *       the shortage lasts, and resumes on the loop's timer;</li>
 *   <li>one spare descriptor is kept open (on /dev/null) for this moment — the trick of
 *       Netty and Tomcat: closing it lets the acceptor take the waiting clients one by one,
 *       tell each the protocol's "max clients" error and close it, instead of leaving them
 *       hanging in the backlog;</li>
 *   <li>one WARN line when an episode starts and one when it ends, with the number of
 *       refused attempts, never a line per attempt.</li>
 * </ul>
 * <pre>
 *   ACCEPTING --accept fails: EMFILE/ENFILE--> PAUSED(delay) --timer--> ACCEPTING (retry)
 *   retry fails again: delay doubles (max 1 s); retry succeeds: episode over, delay reset
 * </pre>
 * Threads: the acceptor's loop only.
 */
final class AcceptBackoff {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.engine");
    static final long FIRST_DELAY_NANOS = 100_000_000L;
    static final long MAX_DELAY_NANOS = 1_000_000_000L;

    private FileChannel spare;
    private long delayNanos = FIRST_DELAY_NANOS;
    /** When accepting resumes, or 0 while not paused. */
    private long resumeAtNanos;
    private boolean inEpisode;
    private long episodeStartNanos;
    private long refusedAttempts;

    AcceptBackoff() {
        spare = openSpare();
    }

    /** True for the accept() failures that mean "no descriptor left" (EMFILE, ENFILE). */
    static boolean isOutOfDescriptors(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("Too many open files") || m.contains("Too many open files in system"));
    }

    boolean isPaused() {
        return resumeAtNanos != 0;
    }

    /** When the loop must wake to resume accepting; Long.MAX_VALUE while not paused. */
    long resumeAtNanos() {
        return resumeAtNanos == 0 ? Long.MAX_VALUE : resumeAtNanos;
    }

    /** True (once) when the pause is over: the caller gives the listeners OP_ACCEPT back. */
    boolean tryResume(long nowNanos) {
        if (resumeAtNanos != 0 && nowNanos >= resumeAtNanos) {
            resumeAtNanos = 0;
            return true;
        }
        return false;
    }

    /** accept() failed for want of descriptors: start or extend the pause. */
    void onOutOfDescriptors(IOException e, long nowNanos) {
        refusedAttempts++;
        if (!inEpisode) {
            inEpisode = true;
            episodeStartNanos = nowNanos;
            LOG.warn("[ACCEPT]    out of file descriptors ({}): pausing accepts, refusing waiting clients; "
                    + "raise ulimit -n or lower --max-clients", e.getMessage());
        } else {
            delayNanos = Math.min(MAX_DELAY_NANOS, delayNanos * 2);
        }
        resumeAtNanos = nowNanos + delayNanos;
    }

    /** An accept worked: the episode, if any, is over. */
    void onAccepted(long nowNanos) {
        if (inEpisode) {
            LOG.warn("[ACCEPT]    file descriptors available again after {} ms; {} accept attempts refused",
                    (nowNanos - episodeStartNanos) / 1_000_000L, refusedAttempts);
            inEpisode = false;
            refusedAttempts = 0;
            delayNanos = FIRST_DELAY_NANOS;
        }
    }

    /** A waiting client was taken with the spare descriptor and refused. */
    void countRefused() {
        refusedAttempts++;
    }

    /** Closes the spare so one accept can succeed; false when there is no spare to give. */
    boolean releaseSpare() {
        if (spare == null) {
            return false;
        }
        try {
            spare.close();
        } catch (IOException ignored) {
            // Closed all the same.
        }
        spare = null;
        return true;
    }

    /** Takes the spare descriptor back; false while none is free. */
    boolean restoreSpare() {
        if (spare == null) {
            spare = openSpare();
        }
        return spare != null;
    }

    void close() {
        releaseSpare();
    }

    private static FileChannel openSpare() {
        try {
            return FileChannel.open(Path.of("/dev/null"), StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            return null; // no /dev/null (not Unix): back off without refusing
        }
    }
}
