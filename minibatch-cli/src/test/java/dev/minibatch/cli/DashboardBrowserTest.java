package dev.minibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard of {@code minibatch serve} in headless Chromium, while a producer appends and a
 * {@code minibatch consume} process reads: the counts rise, the charts get data points, the
 * consumer shows up with its window rate. A screenshot goes to {@code target/dashboard.png}.
 */
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;

    private static long number(String text) {
        String digits = text.replace(",", "").trim();
        if (digits.isEmpty() || digits.equals("–")) {
            return -1;
        }
        return (long) Double.parseDouble(digits);
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

    /** Reads from elements the page may redraw meanwhile: retried when one went stale. */
    private static <T> T reading(java.util.function.Supplier<T> read) {
        for (int attempt = 1; ; attempt++) {
            try {
                return read.get();
            } catch (StaleElementReferenceException e) {
                if (attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    @Test
    void countsRiseAndChartsFillWhileAProducerAppends() throws Exception {
        String url = "sqlite:" + dir.resolve("store.db");
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = null;
        WebDriver browser = null;
        try (Minibatch mb = Minibatch.connect(url);
             CliProcess serve = CliProcess.start(dir, Map.of(), null, "serve", "--url", url, "--port", "0", "--sample", "250ms")) {
          try {
            Stream orders = mb.stream("orders");
            Stream payments = mb.stream("payments");
            orders.append(Map.of("order", 0));
            try (CliProcess consumer = CliProcess.start(dir, Map.of(), null, "consume", "payments", "--size", "5",
                    "--quiet", "--url", url)) {
                producer = new Thread(() -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                    int i = 1;
                    while (producing.get() && System.nanoTime() < deadline) {
                        orders.append(Map.of("order", i));
                        payments.appendAll(List.of(Map.of("payment", i), Map.of("payment", -i)));
                        i++;
                        try {
                            Thread.sleep(40);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "test-producer");
                producer.setDaemon(true);
                producer.start();

                URI address = ServeHttpTest.awaitAddress(serve);
                browser = startBrowser(dir.resolve("chromium-profile"));
                browser.get(address.toString());
                // the page redraws rows and charts every second: an element found just before a redraw goes stale
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(100));
                wait.ignoring(StaleElementReferenceException.class);
                final WebDriver page = browser;

                By ordersPending = By.cssSelector("#streams tr[data-stream='orders'] td.pending");
                wait.withMessage("the orders row with a pending count")
                        .until(d -> !d.findElements(ordersPending).isEmpty() && number(d.findElement(ordersPending).getText()) > 0);
                long first = reading(() -> number(page.findElement(ordersPending).getText()));
                long firstTotal = number(page.findElement(By.id("total-pending")).getText());
                wait.withMessage("the orders pending count to rise above " + first)
                        .until(d -> number(d.findElement(ordersPending).getText()) > first);
                wait.withMessage("the total pending count to rise above " + firstTotal)
                        .until(d -> number(d.findElement(By.id("total-pending")).getText()) > firstTotal);

                By depthLine = By.cssSelector("#chart-depth polyline[data-stream='orders']");
                wait.withMessage("at least 5 data points in the buffer-depth chart")
                        .until(d -> !d.findElements(depthLine).isEmpty()
                                && Integer.parseInt(d.findElement(depthLine).getAttribute("data-count")) >= 5);
                String points = reading(() -> page.findElement(depthLine).getAttribute("points"));
                assertThat(points.trim().split(" ")).hasSizeGreaterThanOrEqualTo(5)
                        .allMatch(p -> p.matches("-?[0-9.]+,-?[0-9.]+"));

                By appendRate = By.cssSelector("#streams tr[data-stream='orders'] td.append-rate");
                wait.withMessage("a positive append rate for orders")
                        .until(d -> number(d.findElement(appendRate).getText()) > 0);
                assertThat(page.findElements(By.cssSelector("#chart-append polyline[data-stream='orders']"))).hasSize(1);

                By consumerRow = By.cssSelector("#consumers tr[data-stream='payments']");
                wait.withMessage("the payments consumer, running, with windows and a window rate")
                        .until(d -> {
                            List<WebElement> rows = d.findElements(consumerRow);
                            return !rows.isEmpty()
                                    && rows.get(0).findElement(By.cssSelector(".badge")).getText().equals("running")
                                    && number(rows.get(0).findElement(By.cssSelector("td.windows")).getText()) > 0
                                    && number(rows.get(0).findElement(By.cssSelector("td.window-rate")).getText()) > 0;
                        });
                wait.withMessage("a window-rate line for payments")
                        .until(d -> !d.findElements(By.cssSelector("#chart-windows polyline[data-stream='payments']")).isEmpty());
                assertThat(page.findElement(By.id("state")).getAttribute("data-state")).isEqualTo("live");
                assertThat(page.findElement(By.id("store")).getText()).isEqualTo(url);

                byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
                Path target = Path.of(System.getProperty("minibatch.cli.target", "target"));
                Files.createDirectories(target);
                Path screenshot = target.resolve("dashboard.png");
                Files.write(screenshot, png);
                assertThat(png.length).isGreaterThan(10_000);
                assertThat(new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
                System.out.println("dashboard screenshot: " + screenshot.toAbsolutePath());
                assertThat(consumer.isAlive()).as("the consumer ran throughout").isTrue();
            }
          } finally {
            // stop the producer before its store closes, and the browser before the server
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
