package io.fanout.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition instead of sleeping for it: polls every millisecond or so until the
 * condition holds or the deadline passes, then fails with the message (and, when given, the
 * last observed value) so a timeout says what was being waited for.
 */
public final class Await {
    private Await() {
    }

    /** Polls {@code condition} until true; throws AssertionError after {@code timeout}. */
    public static void until(BooleanSupplier condition, Duration timeout, String message) {
        until(condition, timeout, () -> message);
    }

    /** Like {@link #until(BooleanSupplier, Duration, String)} with a message built on failure. */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> message) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + message.get());
            }
            try {
                Thread.sleep(1); // a polling interval, not a synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + message.get(), e);
            }
        }
    }

    /** Waits {@link #DEFAULT} for the condition. */
    public static void until(BooleanSupplier condition, String message) {
        until(condition, DEFAULT, message);
    }

    /** Long enough for a loaded two-core CI box, short enough to fail fast. */
    public static final Duration DEFAULT = Duration.ofSeconds(10);
}
