package io.fanout.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The package diagram of docs/ARCHITECTURE.md, checked on the sources: dependencies point
 * one way (the engine imports nothing of ours; codecs never reach the server that wires
 * them). A package not listed here fails the test, so a new one gets a place on purpose.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PackageDirectionTest {
    private static final Path SOURCES = Path.of("src/main/java/io/fanout");
    private static final Pattern IMPORT = Pattern.compile(
            "^import\\s+(?:static\\s+)?io\\.fanout\\.([a-z.]+?)\\.[A-Z]", Pattern.MULTILINE);

    /** Package → the packages of ours it may import (besides itself). */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("engine", Set.of()),
            Map.entry("policy", Set.of("engine")),
            Map.entry("broker", Set.of("engine")),
            Map.entry("protocol.line", Set.of("broker", "engine")),
            Map.entry("protocol.resp", Set.of("broker", "engine")),
            Map.entry("protocol.ws", Set.of("broker", "engine")),
            Map.entry("protocol.http", Set.of("protocol.ws", "broker", "engine")),
            Map.entry("metrics", Set.of("broker", "engine")),
            Map.entry("cluster", Set.of("broker", "engine")),
            Map.entry("bench", Set.of()),
            Map.entry("server", Set.of("engine", "broker", "policy", "metrics", "cluster", "protocol.line",
                    "protocol.resp", "protocol.http", "protocol.ws")));

    @Test
    void dependenciesPointOneWay() throws IOException {
        List<String> violations = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
                seen.add(pkg);
                Set<String> allowed = ALLOWED.get(pkg);
                if (allowed == null) {
                    violations.add(pkg + " is not in the package diagram (" + file + ")");
                    continue;
                }
                Matcher m = IMPORT.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (m.find()) {
                    String target = m.group(1);
                    if (!target.equals(pkg) && !allowed.contains(target)) {
                        violations.add(file.getFileName() + ": " + pkg + " imports " + target);
                    }
                }
            }
        }
        assertTrue(seen.contains("engine"), "sources found under " + SOURCES.toAbsolutePath());
        assertEquals(List.of(), violations);
    }
}
