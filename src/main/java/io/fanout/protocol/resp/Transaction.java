package io.fanout.protocol.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The commands one client queued between MULTI and EXEC (Redis's {@code multiState}), as
 * private copies of their arguments, plus whether EXEC must refuse them (Redis's
 * {@code CLIENT_DIRTY_EXEC}: a command was rejected while queueing).
 *
 * <p>Memory: queued bytes count against two limits so MULTI cannot become a way to grow the
 * heap without bound — this transaction's own ({@code maxBytes}) and all transactions of the
 * process together ({@code sharedBytes} against {@code maxSharedBytes}). A command over either
 * limit is refused with an error and fails the transaction, as Redis does with a command it
 * rejects while queueing. Once failed, the queue is dropped at once (EXEC can only answer
 * EXECABORT now); later commands are still answered {@code +QUEUED}, as Redis answers them,
 * but neither kept nor counted.
 *
 * <p>Lifecycle: made by MULTI, ended by EXEC, DISCARD, RESET or the connection's close — each
 * of which must call {@link #release()} so the shared count goes back down.
 *
 * <p>Threads: the connection's loop thread only; the shared counter is atomic because loops
 * share it. CLIENT LIST reads {@link #size()} racily.
 */
final class Transaction {
    /** Bytes counted per queued command on top of its arguments (arrays, headers). */
    private static final int COMMAND_OVERHEAD = 64;
    /** Bytes counted per argument on top of its length (its start and length). */
    private static final int ARG_OVERHEAD = 8;

    /** One queued command: its spec as looked up when it was queued, and its argv copied. */
    record Queued(CommandSpec spec, byte[] data, int[] lengths) {
        void loadInto(RespArgs args) {
            args.resetForScratch(data);
            args.ensureCapacity(lengths.length);
            int at = 0;
            for (int len : lengths) {
                args.add(at, len);
                at += len;
            }
        }
    }

    private final List<Queued> commands = new ArrayList<>();
    private final long maxBytes;
    private final long maxSharedBytes;
    private final AtomicLong sharedBytes;
    private volatile long bytes; // volatile: CLIENT LIST on another loop reads it
    private volatile int size;
    private boolean failed;

    Transaction(long maxBytes, long maxSharedBytes, AtomicLong sharedBytes) {
        this.maxBytes = maxBytes;
        this.maxSharedBytes = maxSharedBytes;
        this.sharedBytes = sharedBytes;
    }

    /** Redis's CLIENT_DIRTY_EXEC: a command was rejected while queueing, EXEC will abort. */
    void markFailed() {
        failed = true;
        release();
    }

    boolean failed() {
        return failed;
    }

    /** Commands queued so far (CLIENT LIST multi=); racy read from other loops is fine. */
    int size() {
        return size;
    }

    /** Bytes this transaction holds (CLIENT LIST multi-mem=). */
    long bytes() {
        return bytes;
    }

    /**
     * Copies the current command into the queue. Returns null when it was queued (or need not
     * be, the transaction having failed already), else the error text for the client; the
     * caller then fails the transaction.
     */
    String tryQueue(CommandSpec spec, RespArgs args) {
        if (failed) {
            return null; // as Redis: an aborted transaction keeps nothing (and counts nothing) more
        }
        int argc = args.count();
        long need = COMMAND_OVERHEAD + (long) ARG_OVERHEAD * argc;
        for (int i = 0; i < argc; i++) {
            need += args.length(i);
        }
        if (bytes + need > maxBytes) {
            return "ERR transaction too large: its queued commands would hold more than " + maxBytes + " bytes";
        }
        if (sharedBytes.addAndGet(need) > maxSharedBytes) {
            sharedBytes.addAndGet(-need);
            return "OOM command not allowed: the queued transactions of all clients hold more than "
                    + maxSharedBytes + " bytes";
        }
        bytes += need;
        int[] lengths = new int[argc];
        int total = 0;
        for (int i = 0; i < argc; i++) {
            lengths[i] = args.length(i);
            total += lengths[i];
        }
        byte[] data = new byte[total];
        int at = 0;
        for (int i = 0; i < argc; i++) {
            args.copyTo(i, data, at);
            at += lengths[i];
        }
        commands.add(new Queued(spec, data, lengths));
        size++;
        return null;
    }

    List<Queued> commands() {
        return commands;
    }

    /** Gives the queued bytes back to the shared budget and forgets the commands. */
    void release() {
        if (bytes > 0) {
            sharedBytes.addAndGet(-bytes);
            bytes = 0;
        }
        commands.clear();
    }
}
