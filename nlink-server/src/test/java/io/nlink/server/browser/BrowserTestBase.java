package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.devkit.Packer;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.server.NlinkServer;
import io.nlink.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What the browser tests share: a real server on a free port in a temporary data directory, and
 * Debian's headless Chromium driven by Debian's chromedriver with a 1400×1000 page, downloads into
 * {@link #downloads} and the browser's console kept. Each test class gets its own server and browser;
 * its test methods run in order on them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class BrowserTestBase {
    /** Debian's; -Dnlink.chromium=... and -Dnlink.chromedriver=... name others. */
    static final Path CHROMIUM = Path.of(System.getProperty("nlink.chromium", "/usr/bin/chromium"));

    static final Path CHROMEDRIVER = Path.of(System.getProperty("nlink.chromedriver", "/usr/bin/chromedriver"));
    static final Path EXAMPLES = Path.of(System.getProperty("nlink.examples.dir", "../examples"))
            .toAbsolutePath()
            .normalize();
    /**
     * Where the screenshots go: target/screenshots, so test runs leave the tree clean. The README's
     * pictures are refreshed with -Dnlink.screenshots.dir=$PWD/docs/screenshots.
     */
    static final Path SCREENSHOTS = Path.of(System.getProperty("nlink.screenshots.dir", "target/screenshots"))
            .toAbsolutePath();

    static final String OWNER = "owner";
    static final String PASSWORD = "browser test passphrase";

    Path temp;
    Path downloads;
    NlinkServer server;
    ChromeDriver driver;
    WebDriverWait wait;
    /** For what the server works on: an upload compiles the module and runs its vectors; a run starts a sandbox. */
    WebDriverWait slow;

    @BeforeAll
    void start() throws Exception {
        System.setProperty("SE_OFFLINE", "true");
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String message = CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing; run scripts/setup-browser.sh (Debian chromium and chromium-driver)"
                    + " or name them with -Dnlink.chromium=... -Dnlink.chromedriver=...";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) Assertions.fail(message);
            System.err.println(getClass().getSimpleName() + " skipped: " + message);
            Assumptions.abort(message);
        }
        temp = Files.createTempDirectory("nlink-browser-");
        downloads = Files.createDirectories(temp.resolve("downloads"));
        server = NlinkServer.start(
                serverConfig(ServerConfig.DEFAULTS.withPort(0).withDataDirectory(temp.resolve("data"))));

        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + Files.createDirectories(temp.resolve("profile")),
                "--window-size=1400,1000");
        options.setExperimentalOption(
                "prefs",
                Map.of(
                        "download.default_directory", downloads.toString(),
                        "download.prompt_for_download", false,
                        "download.directory_upgrade", true,
                        "safebrowsing.enabled", false));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        driver = new ChromeDriver(service, options);
        driver.executeCdpCommand(
                "Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        // --window-size counts the window's frame; make the page itself 1400x1000 for the screenshots.
        @SuppressWarnings("unchecked")
        List<Long> frame = (List<Long>) driver.executeScript(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];");
        driver.manage()
                .window()
                .setSize(new Dimension(
                        1400 + frame.get(0).intValue(), 1000 + frame.get(1).intValue()));
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        // Generous: the machine that runs the tests may be busy with other builds.
        slow = new WebDriverWait(driver, Duration.ofMinutes(3));
        Files.createDirectories(SCREENSHOTS);
    }

    /** The server's settings; a class that needs others (an HTTP destination allowed) changes them here. */
    ServerConfig serverConfig(ServerConfig defaults) {
        return defaults;
    }

    @AfterAll
    void stop() throws IOException {
        try {
            if (driver != null) driver.quit();
        } finally {
            if (server != null) server.close();
            if (temp != null) {
                try (Stream<Path> walk = Files.walk(temp)) {
                    walk.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** Creates the owner through the server's one-time set-up link and waits until signed in. */
    void setUpOwner() {
        driver.get(server.setupUrl().orElseThrow(() -> new AssertionError("a fresh server has no set-up link")));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("setup-username")))
                .sendKeys(OWNER);
        driver.findElement(By.id("setup-password")).sendKeys(PASSWORD);
        driver.findElement(By.id("setup-repeat")).sendKeys(PASSWORD);
        driver.findElement(By.id("setup-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("current-user"), OWNER));
    }

    static void pack(Path dir, Path zip) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Packer.pack(dir, PackageLoader.load(dir), out);
        Files.write(zip, out.toByteArray());
    }

    /** Uploads a package ZIP through the Community Store's form (the caller waits for the outcome). */
    void upload(Path zip) {
        driver.get(server.url() + "/#/store");
        WebElement input = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("upload-file")));
        input.sendKeys(zip.toAbsolutePath().toString());
        driver.findElement(By.id("upload-submit")).click();
    }

    void scrollTo(By by) {
        ((JavascriptExecutor) driver)
                .executeScript("arguments[0].scrollIntoView({block: 'start'});", driver.findElement(by));
    }

    void screenshot(String name) throws IOException {
        ((JavascriptExecutor) driver)
                .executeScript(
                        "document.activeElement && document.activeElement.blur && document.activeElement.blur();");
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }

    /** The pages ran without script errors or CSP violations. */
    void assertNoConsoleErrors() {
        List<String> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                // Refused requests answer 4xx on purpose (wrong password, bad name, hostile ZIP).
                .filter(m -> !m.matches("(?s).*the server responded with a status of 4\\d\\d.*"))
                .toList();
        assertThat(severe).isEmpty();
    }
}
