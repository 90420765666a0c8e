package io.fanout.server;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The startup check Redis makes: does the file-descriptor limit (the soft {@code ulimit -n})
 * leave room for --max-clients? Each client is one descriptor; the JVM already holds some
 * (jars, selectors, listeners) and needs a few more later, so Redis's reserve of 32 is kept
 * on top. Too low: one WARN line that says how many clients will fit and what to do (the
 * {@code ./fanout} launcher raises the soft limit to the hard one). fanout does not shrink
 * --max-clients as Redis does: past the limit the acceptor backs off and refuses clients.
 */
final class FdLimits {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.server");
    /** Descriptors kept free beyond clients and what is open now (Redis: CONFIG_MIN_RESERVED_FDS). */
    static final int RESERVED = 32;

    private FdLimits() {
    }

    /** Logs a warning when the limit cannot hold --max-clients; returns the clients that fit, or -1 if unknown. */
    static long check(int maxClients) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof com.sun.management.UnixOperatingSystemMXBean unix)) {
            return -1;
        }
        long limit = unix.getMaxFileDescriptorCount();
        long open = unix.getOpenFileDescriptorCount();
        long fit = Math.max(0, limit - open - RESERVED);
        if (fit < maxClients) {
            LOG.warn("[FDS]       max-clients={} needs about {} file descriptors but the limit (ulimit -n) is {}: "
                    + "about {} clients fit, the next are refused; raise ulimit -n or lower --max-clients",
                    maxClients, maxClients + open + RESERVED, limit, fit);
        }
        return fit;
    }
}
