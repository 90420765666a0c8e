package io.fanout.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where {@code fanout serve}'s options come from when the command line does not give them:
 * the environment ({@code FANOUT_<OPTION>}, e.g. {@code FANOUT_SLOW_THRESHOLD=64kb}), then a
 * config file ({@code --config FILE} or {@code FANOUT_CONFIG}), then the built-in default.
 * The command line beats all three: picocli asks this provider only for options it did not
 * see on the command line.
 *
 * <p>The file: one {@code key = value} per line, the key being the long option name without
 * its dashes ({@code slow-threshold = 64kb}; {@code _} may stand for {@code -}); blank lines
 * and lines starting with {@code #} are ignored; a value may be wrapped in one pair of double
 * or single quotes. An unknown key, a line without {@code =} or a key given twice is an error
 * naming the file and line — a typo in a config file must not silently leave a default.
 *
 * <p>Immutable after {@link #load}; used on the main thread while the command line is parsed.
 */
final class ConfigSources implements CommandLine.IDefaultValueProvider {
    static final String ENV_PREFIX = "FANOUT_";
    /** Options that make no sense in a file (they do not configure the server). */
    private static final Set<String> NOT_IN_FILE = Set.of("config", "help", "version");

    /** Where a value came from; higher wins. */
    enum Source { DEFAULT, FILE, ENV, COMMAND_LINE }

    private record Entry(String value, int line) {
    }

    private final Map<String, String> env;
    private final Path file;
    private final Map<String, Entry> fileEntries;

    private ConfigSources(Map<String, String> env, Path file, Map<String, Entry> fileEntries) {
        this.env = env;
        this.file = file;
        this.fileEntries = fileEntries;
    }

    /** Only the environment (what a first pass uses to find {@code --config}). */
    static ConfigSources environmentOnly(Map<String, String> env) {
        return new ConfigSources(env, null, Map.of());
    }

    /**
     * Reads {@code file} (null: none) and checks its keys against {@code options}.
     *
     * @throws IllegalArgumentException with a message naming the file and line
     */
    static ConfigSources load(Map<String, String> env, Path file, List<OptionSpec> options) {
        if (file == null) {
            return environmentOnly(env);
        }
        Set<String> known = new TreeSet<>();
        for (OptionSpec o : options) {
            String key = key(o);
            if (key != null && !NOT_IN_FILE.contains(key)) {
                known.add(key);
            }
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config: cannot read " + file + ": " + e.getMessage());
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": expected 'key = value', got '"
                        + line + "'");
            }
            String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT).replace('_', '-');
            if (key.startsWith("--")) {
                key = key.substring(2);
            }
            if (!known.contains(key)) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": unknown option '" + key
                        + "' (keys are serve's long option names without dashes: " + String.join(", ", known) + ")");
            }
            Entry earlier = entries.get(key);
            if (earlier != null) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": '" + key + "' is already set on line "
                        + earlier.line());
            }
            entries.put(key, new Entry(unquote(line.substring(eq + 1).strip()), lineNo));
        }
        return new ConfigSources(env, file, entries);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    /** {@code slow-threshold} for {@code --slow-threshold}; null for options without a long name. */
    static String key(OptionSpec o) {
        String name = o.longestName();
        return name.startsWith("--") ? name.substring(2) : null;
    }

    /** {@code FANOUT_SLOW_THRESHOLD} for {@code slow-threshold}. */
    static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec o)) {
            return null;
        }
        String key = key(o);
        if (key == null || key.equals("help") || key.equals("version")) {
            return null;
        }
        String fromEnv = env.get(envName(key));
        if (fromEnv != null) {
            return fromEnv;
        }
        Entry e = fileEntries.get(key);
        return e == null ? null : e.value();
    }

    /** Where option {@code key}'s value comes from, the command line aside (the caller knows that). */
    Source sourceOf(String key) {
        if (env.containsKey(envName(key))) {
            return Source.ENV;
        }
        return fileEntries.containsKey(key) ? Source.FILE : Source.DEFAULT;
    }

    /** For error messages: "FANOUT_PORT", "fanout.conf:3" or null for a default. */
    String describe(String key) {
        return switch (sourceOf(key)) {
            case ENV -> "environment " + envName(key);
            case FILE -> file + ":" + fileEntries.get(key).line();
            default -> null;
        };
    }
}
