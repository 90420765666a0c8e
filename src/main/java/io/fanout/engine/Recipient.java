package io.fanout.engine;

/**
 * One receiver of a fan-out, as the engine sees it: a connection. The broker's subscriptions
 * are recipients, so {@link FanOutSink} walks the broker's own subscriber array: no second
 * array of connections to keep in step, and with one implementing class the call stays
 * monomorphic (the JIT inlines it).
 */
public interface Recipient {
    /** The connection the recipient's bytes are queued on (same loop as the sink). */
    Connection connection();
}
