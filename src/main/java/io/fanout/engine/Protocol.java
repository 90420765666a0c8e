package io.fanout.engine;

/** A wire protocol a listener speaks: makes handlers and says how to refuse a client. */
public interface Protocol {
    /** Short stable name used in logs and metrics: {@code line}, {@code resp}. */
    String name();

    /** A handler for a newly accepted connection. */
    ConnectionHandler open(Connection connection);

    /** Bytes written, best effort, to a client refused because --max-clients is reached. */
    byte[] maxClientsReply();
}
