package io.fanout.server;

import java.util.Locale;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/** Sets the level of fanout's loggers from --log-level, before any loop caches it. */
final class Logging {
    private Logging() {
    }

    static boolean isValidLevel(String level) {
        return switch (level.toLowerCase(Locale.ROOT)) {
            case "error", "warn", "info", "debug", "trace" -> true;
            default -> false;
        };
    }

    static void setLevel(String level) {
        Logger fanout = (Logger) LoggerFactory.getLogger("fanout");
        fanout.setLevel(Level.toLevel(level, Level.INFO));
    }
}
