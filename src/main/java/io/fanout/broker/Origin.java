package io.fanout.broker;

/**
 * Where a published message came from. The broker knows it from the start so that a future
 * cluster relay forwards only {@link #LOCAL} messages and never echoes a relayed one back.
 */
public enum Origin {
    /** Published by a client of this server. */
    LOCAL,
    /** Relayed from another fanout node. */
    CLUSTER
}
