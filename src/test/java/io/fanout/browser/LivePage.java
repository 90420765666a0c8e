package io.fanout.browser;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live page at {@code /} as a test sees it: the element ids of index.html in one place,
 * and waits on what a person would see (never a fixed sleep).
 */
final class LivePage {
    private final Browser browser;
    private final WebDriver driver;

    LivePage(Browser browser) {
        this.browser = browser;
        this.driver = browser.driver();
    }

    /** Opens the page at {@code url} and waits until its socket is open and joined. */
    LivePage open(String url) {
        driver.get(url);
        awaitState("open");
        awaitJoined(currentChannelInput());
        return this;
    }

    Browser browser() {
        return browser;
    }

    String state() {
        return driver.findElement(By.id("state")).getAttribute("data-state");
    }

    void awaitState(String state) {
        await(d -> state.equals(state()), () -> "connection state " + state + " (it is " + state() + ")");
    }

    private String currentChannelInput() {
        return driver.findElement(By.id("channel")).getAttribute("value");
    }

    /** Types a channel name, presses Join, waits until the page says it is on it. */
    void join(String channel) {
        WebElement input = driver.findElement(By.id("channel"));
        input.clear();
        input.sendKeys(channel);
        driver.findElement(By.id("join")).click();
        awaitJoined(channel);
    }

    void awaitJoined(String channel) {
        await(d -> channel.equals(text("joined-channel"))
                        && rowsContaining("joined " + channel) + rowsContaining("listening to pattern " + channel) > 0,
                () -> "page joined " + channel + " (it shows " + text("joined-channel") + ")");
    }

    /** Types into the message field and presses Enter, as a person would. */
    void send(String message) {
        WebElement input = driver.findElement(By.id("message"));
        input.sendKeys(message);
        driver.findElement(By.id("send")).click();
    }

    /** Texts of the message rows (not the page's own notices), oldest first. */
    List<String> messages() {
        return texts("#messages li.msg:not(.sys) .data");
    }

    /** Texts of the page's own notices (joined, closed, dropped). */
    List<String> notices() {
        return texts("#messages li.sys .data");
    }

    /** Read in one script, so rows the page removes meanwhile cannot go stale under us. */
    @SuppressWarnings("unchecked")
    private List<String> texts(String selector) {
        Object r = script("return Array.from(document.querySelectorAll(arguments[0]), function (e) { return e.textContent; });",
                selector);
        return new ArrayList<>((List<String>) r);
    }

    void awaitMessage(String text) {
        await(d -> messages().contains(text), () -> "message \"" + text + "\" on the page (it shows " + messages() + ")");
    }

    void awaitNotice(String fragment) {
        await(d -> notices().stream().anyMatch(n -> n.contains(fragment)),
                () -> "a notice containing \"" + fragment + "\" (notices: " + notices() + ")");
    }

    private long rowsContaining(String fragment) {
        return notices().stream().filter(n -> n.contains(fragment)).count();
    }

    String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    boolean bannerVisible() {
        return driver.findElement(By.id("close-banner")).isDisplayed();
    }

    /** How many /stats answers the figures panel has drawn. */
    int statsUpdates() {
        String v = driver.findElement(By.cssSelector("section.figures")).getAttribute("data-updates");
        return v == null ? 0 : Integer.parseInt(v);
    }

    void awaitStatsUpdates(int n) {
        await(d -> statsUpdates() >= n, () -> n + " /stats answers drawn (it is " + statsUpdates() + ")");
    }

    Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    void await(Function<WebDriver, Boolean> condition, java.util.function.Supplier<String> what) {
        try {
            new WebDriverWait(driver, Browser.WAIT).until(condition::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("waited " + Browser.WAIT.toSeconds() + "s for " + what.get(), e);
        }
    }
}
