package io.fanout.protocol.ws;

import io.fanout.broker.Broker;

/**
 * What every WebSocket session of a listener shares: the broker, the two wire forms, the
 * message limit and the keepalive interval. Immutable.
 *
 * @param pingIntervalNanos how often the server pings (0 = never); a peer silent for a whole
 *                          interval after a ping is closed ({@code ping-timeout})
 */
public record WsContext(Broker broker, WsRawWireForm rawForm, WsJsonWireForm jsonForm, int maxMessageBytes,
                        long pingIntervalNanos) {
}
