package io.fanout.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium driven through the chromedriver that Debian installs next to it
 * (packages {@code chromium} and {@code chromium-driver}). Both paths are given to Selenium,
 * so Selenium Manager never runs and nothing is downloaded.
 *
 * <p>Where the browser is missing the calling test is skipped with a message saying what to
 * install; with {@code FANOUT_REQUIRE_BROWSER=1} (CI) that is a failure instead. The paths
 * can be moved with {@code FANOUT_CHROMIUM} and {@code FANOUT_CHROMEDRIVER}.
 *
 * <p>Owned by the test thread that opened it; {@link #close} quits the browser and deletes
 * its fresh profile directory.
 */
public final class Browser implements AutoCloseable {
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static final Duration WAIT = Duration.ofSeconds(15);

    private final ChromeDriver driver;
    private final Path profile;
    private boolean closed;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Skips the calling test (or fails it under FANOUT_REQUIRE_BROWSER=1) when there is no browser. */
    public static void assumeInstalled() {
        String missing = missing();
        if (missing == null) {
            return;
        }
        String msg = "browser tests need " + missing
                + " (Debian: apt-get install chromium chromium-driver; or set FANOUT_CHROMIUM / FANOUT_CHROMEDRIVER)";
        if ("1".equals(System.getenv("FANOUT_REQUIRE_BROWSER"))) {
            throw new AssertionError(msg + "; FANOUT_REQUIRE_BROWSER=1 makes this a failure");
        }
        Assumptions.abort(msg + "; skipped");
    }

    /** Whether chromium and chromedriver are there (no skip, no failure). */
    public static boolean installed() {
        return missing() == null;
    }

    private static String missing() {
        if (!Files.isExecutable(chromium())) {
            return chromium() + " (chromium)";
        }
        if (!Files.isExecutable(chromedriver())) {
            return chromedriver() + " (chromium-driver)";
        }
        return null;
    }

    private static Path chromium() {
        return Path.of(envOr("FANOUT_CHROMIUM", "/usr/bin/chromium"));
    }

    private static Path chromedriver() {
        return Path.of(envOr("FANOUT_CHROMEDRIVER", "/usr/bin/chromedriver"));
    }

    private static String envOr(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    /** A fresh headless browser whose window is {@code width x height} CSS pixels. */
    public static Browser open(int width, int height) throws IOException {
        assumeInstalled();
        // Selenium's own chatter (CDP version notices) is not test output.
        Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE);
        Path profile = Files.createTempDirectory("fanout-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                // A page left for about:blank must really close its sockets, not sleep in the
                // back/forward cache with its WebSocket open (a test would leak it).
                "--disable-back-forward-cache",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver().toFile())
                .usingAnyFreePort()
                .withLogOutput(java.io.OutputStream.nullOutputStream())
                .build();
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            deleteTree(profile);
            throw e;
        }
        Browser b = new Browser(driver, profile);
        b.resize(width, height);
        return b;
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Sets the viewport (not the window) to {@code width x height}, as a phone would have it. */
    public void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
        // Headless windows have no chrome, but correct for any difference all the same.
        long innerW = ((Number) driver.executeScript("return window.innerWidth")).longValue();
        long innerH = ((Number) driver.executeScript("return window.innerHeight")).longValue();
        if (innerW != width || innerH != height) {
            driver.manage().window().setSize(new Dimension(2 * width - (int) innerW, 2 * height - (int) innerH));
        }
    }

    /** Saves a PNG of the viewport as target/screenshots/{name}.png and returns its path. */
    public Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File png = driver.getScreenshotAs(OutputType.FILE);
        Path to = SCREENSHOTS.resolve(name + ".png");
        Files.copy(png.toPath(), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(png.toPath());
        return to;
    }

    @Override
    public void close() {
        quit();
    }

    /**
     * Ends the browser now; the try-with-resources close then does nothing. For tests that
     * check, before the server stops, that the browser left no connection behind.
     */
    public void quit() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            driver.quit();
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Best effort: a profile left in the temp directory harms nothing.
        }
    }
}
