package io.fanout.engine;

import java.util.List;

/** A wire protocol a listener speaks: makes handlers and says how to refuse a client. */
public interface Protocol {
    /** Short stable name used in logs and metrics: {@code line}, {@code resp}. */
    String name();

    /** A handler for a newly accepted connection. */
    ConnectionHandler open(Connection connection);

    /**
     * Every label a connection of this protocol can carry ({@link Connection#setProtocolLabel}):
     * the name, plus what an upgrade turns it into. Metrics export one series per label.
     */
    default List<String> connectionLabels() {
        return List.of(name());
    }

    /** Bytes written, best effort, to a client refused because --max-clients is reached. */
    byte[] maxClientsReply();
}
