package io.fanout.policy;

/** What to do with a client whose backlog passes the hard limit. */
public enum SlowPolicyMode {
    /** Cut the client (default): it reconnects and resynchronises. */
    DISCONNECT("disconnect"),
    /** Drop its oldest whole queued messages and tell it how many it missed. */
    DROP_OLDEST("drop-oldest");

    private final String label;

    SlowPolicyMode(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static SlowPolicyMode parse(String s) {
        for (SlowPolicyMode m : values()) {
            if (m.label.equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("expected disconnect or drop-oldest, got '" + s + "'");
    }
}
