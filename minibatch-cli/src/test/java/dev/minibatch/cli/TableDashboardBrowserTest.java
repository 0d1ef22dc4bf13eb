package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's Tables panel in headless Chromium: {@code minibatch serve} as a child process on
 * a SQLite file while, in this JVM, a producer appends words and a keyed reduce consumer counts
 * them into {@code counts}. The panel shows the table with its size, a positive update rate and a
 * preview of the first keys; the panel's screenshot ({@code target/dashboard-tables.png}) is
 * checked to be drawn, not blank.
 */
class TableDashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final List<String> WORDS = List.of("apple", "banana", "cherry", "date", "elder", "fig", "grape");

    @TempDir
    Path dir;

    private static double number(String text) {
        String digits = text.replace(",", "").trim();
        if (digits.isEmpty() || digits.equals("–")) {
            return -1;
        }
        return Double.parseDouble(digits);
    }

    private static WebDriver startBrowser(Path profile) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("this test needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": install chromium and chromium-driver: apt-get install -y chromium chromium-driver");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1100", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** One row of the Tables panel as the page shows it, read in one script call (null: no such row). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> row(WebDriver driver, String table) {
        return (Map<String, Object>) ((JavascriptExecutor) driver).executeScript(
                "const row = document.querySelector('#tables tr[data-table=\"' + arguments[0] + '\"]');"
                        + "if (!row) { return null; }"
                        + "const text = (sel) => { const el = row.querySelector(sel); return el ? el.textContent : null; };"
                        + "return { size: text('td.size'), updates: text('td.updates'), rate: text('td.update-rate'),"
                        + " keys: Array.from(row.querySelectorAll('td.preview .entry .key')).map((e) => e.textContent),"
                        + " entries: Array.from(row.querySelectorAll('td.preview .entry')).map((e) => e.textContent),"
                        + " more: text('td.preview .more') };", table);
    }

    @Test
    @SuppressWarnings("unchecked")
    void tablesPanelShowsSizeUpdateRateAndPreview() throws Exception {
        String url = "sqlite:" + dir.resolve("store.db");
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = null;
        WebDriver browser = null;
        try (Minibatch mb = Minibatch.connect(url)) {
            TableFixtures.put(mb, "users", Map.of("u1", Map.of("name", "Ada")));
            try (ConsumerHandle counter = mb.streaming("words").keyBy().interval(Duration.ofMillis(200))
                         .reduce("counts", Long.class, Long::sum).start();
                 CliProcess serve = CliProcess.start(dir, Map.of(), null, "serve", "--url", url, "--port", "0",
                         "--sample", "250ms")) {
                try {
                    producer = new Thread(() -> {
                        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                        int i = 0;
                        while (producing.get() && System.nanoTime() < deadline) {
                            String word = WORDS.get(i++ % WORDS.size());
                            mb.stream("words").append(word, 1);
                            try {
                                Thread.sleep(20);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }, "test-word-producer");
                    producer.setDaemon(true);
                    producer.start();

                    URI address = ServeHttpTest.awaitAddress(serve);
                    browser = startBrowser(dir.resolve("chromium-profile"));
                    browser.get(address.toString());
                    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(40), Duration.ofMillis(100));
                    wait.ignoring(StaleElementReferenceException.class);
                    final WebDriver page = browser;

                    // the page redraws its rows every second, so a row is read in one script call, never cell by cell
                    wait.withMessage("the counts table with all " + WORDS.size() + " words, a positive update rate and its preview")
                            .until(d -> {
                                Map<String, Object> counts = row(d, "counts");
                                return counts != null && number((String) counts.get("size")) == WORDS.size()
                                        && number((String) counts.get("rate")) > 0 && ((List<?>) counts.get("keys")).size() == 5;
                            });
                    Map<String, Object> counts = row(page, "counts");
                    assertThat((List<Object>) counts.get("keys")).containsExactly("apple", "banana", "cherry", "date", "elder");
                    assertThat((String) ((List<?>) counts.get("entries")).get(0)).matches("apple: \\d+");
                    assertThat(counts.get("more")).isEqualTo("… 2 more");
                    long updates = (long) number((String) counts.get("updates"));
                    assertThat(updates).isGreaterThanOrEqualTo(WORDS.size());
                    wait.withMessage("the counts table's update count to rise above " + updates)
                            .until(d -> number((String) row(d, "counts").get("updates")) > updates);

                    Map<String, Object> users = row(page, "users");
                    assertThat(users.get("size")).isEqualTo("1");
                    assertThat(users.get("entries")).isEqualTo(List.of("u1: {\"name\":\"Ada\"}"));
                    assertThat(page.findElement(By.id("total-tables")).getText()).isEqualTo("2");
                    assertThat(page.findElement(By.id("tables-empty")).isDisplayed()).isFalse();
                    WebElement panel = page.findElement(By.id("tables-panel"));
                    assertThat(panel.getText()).startsWith("Tables").contains("counts").contains("users").contains("updates/s");

                    Path target = Path.of(System.getProperty("minibatch.cli.target", "target"));
                    Files.createDirectories(target);
                    Files.write(target.resolve("dashboard-tables-page.png"), ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
                    byte[] png = panel.getScreenshotAs(OutputType.BYTES);
                    Path screenshot = target.resolve("dashboard-tables.png");
                    Files.write(screenshot, png);
                    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
                    assertThat(image).as("the panel screenshot decodes as an image").isNotNull();
                    assertThat(image.getWidth()).isGreaterThan(300);
                    assertThat(image.getHeight()).isGreaterThan(80);
                    int background = image.getRGB(0, 0);
                    Set<Integer> colors = new HashSet<>();
                    long differing = 0;
                    for (int y = 0; y < image.getHeight(); y++) {
                        for (int x = 0; x < image.getWidth(); x++) {
                            int rgb = image.getRGB(x, y);
                            colors.add(rgb);
                            if (rgb != background) {
                                differing++;
                            }
                        }
                    }
                    double drawn = differing / (double) (image.getWidth() * image.getHeight());
                    System.out.println("tables panel screenshot: " + screenshot.toAbsolutePath() + " (" + image.getWidth() + "x"
                            + image.getHeight() + ", " + colors.size() + " colours, " + Math.round(drawn * 100) + "% drawn)");
                    assertThat(colors.size()).as("text and borders, not one flat colour").isGreaterThan(20);
                    assertThat(drawn).as("share of pixels differing from the corner's").isGreaterThan(0.05);
                    assertThat(counter.failure()).isNull();
                } finally {
                    producing.set(false);
                    if (producer != null) {
                        producer.join(10_000);
                    }
                    if (browser != null) {
                        browser.quit();
                    }
                }
            }
        }
    }
}
