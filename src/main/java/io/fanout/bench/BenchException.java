package io.fanout.bench;

/** A run that could not be carried out (no connection, no subscription); carries the exit code. */
public final class BenchException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    BenchException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
