package io.fanout.policy;

import io.fanout.engine.BacklogView;

/** A backlog without a socket: its figures are whatever the test sets. */
final class FakeBacklog implements BacklogView {
    private final long id;
    long pendingBytes;
    long lastProgressNanos;
    private long softBreachSinceNanos;

    FakeBacklog(long id, long pendingBytes) {
        this.id = id;
        this.pendingBytes = pendingBytes;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public long pendingBytes() {
        return pendingBytes;
    }

    @Override
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    @Override
    public long softBreachSinceNanos() {
        return softBreachSinceNanos;
    }

    @Override
    public void markSoftBreach(long sinceNanos) {
        softBreachSinceNanos = sinceNanos;
    }

    @Override
    public String describeClient() {
        return "proto=fake remote=none";
    }

    @Override
    public String toString() {
        return "backlog " + id + " (" + pendingBytes + " bytes)";
    }
}
