package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real browser (Debian's headless Chromium, driven by Debian's chromedriver)
 * against a real server on a free port: set-up, sign-in, scaffold, upload, test run, refusals,
 * and stranger-supplied names shown as text. Writes the README's screenshots on the way.
 */
class DashboardBrowserTest extends BrowserTestBase {
    static final String HELLO = "nlink-community.wasm_demo";
    static final String HOSTILE_NAME = "<img src=x onerror=\"window.pwned=1\">Demo & <b>bold</b>";

    @Test
    @Order(1)
    void theSetUpLinkCreatesTheOwner() {
        String link = server.setupUrl().orElseThrow(() -> new AssertionError("a fresh server has no set-up link"));
        driver.get(link);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("setup-username")))
                .sendKeys(OWNER);
        driver.findElement(By.id("setup-password")).sendKeys(PASSWORD);
        driver.findElement(By.id("setup-repeat")).sendKeys(PASSWORD + " typo");
        driver.findElement(By.id("setup-submit")).click();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".banner-error")))
                        .getText())
                .contains("The two passwords differ");

        driver.findElement(By.id("setup-repeat")).clear();
        driver.findElement(By.id("setup-repeat")).sendKeys(PASSWORD);
        driver.findElement(By.id("setup-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("current-user"), OWNER));
        wait.until(
                ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".main"), "No community nodes yet"));
        assertThat(driver.getCurrentUrl()).endsWith("#/store");
        assertThat(server.setupUrl()).isEmpty();
    }

    @Test
    @Order(2)
    void signOutAndSignInAgain() throws IOException {
        driver.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-username")));

        // The set-up link works once.
        driver.get(server.url() + "/#/setup?token=used");
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".banner-info")))
                        .getText())
                .isEqualTo("This server is already set up.");
        driver.findElement(By.linkText("Sign in")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-username")));
        assertThat(driver.getCurrentUrl()).endsWith("#/login");

        // Signed out means signed out: the store sends us back to sign-in.
        driver.get(server.url() + "/#/store");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-username")));

        driver.findElement(By.id("login-username")).sendKeys(OWNER);
        screenshot("sign-in");
        driver.findElement(By.id("login-password")).sendKeys("wrong password");
        driver.findElement(By.id("login-submit")).click();
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".banner-error")));
        assertThat(error.getText()).isNotBlank();

        driver.findElement(By.id("login-password")).clear();
        driver.findElement(By.id("login-password")).sendKeys(PASSWORD);
        driver.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("current-user"), OWNER));
    }

    @Test
    @Order(3)
    void scaffoldAGoNodeDownloadsItsZip() throws Exception {
        driver.get(server.url() + "/#/settings/store");
        WebElement language = wait.until(
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("#scaffold-language option[value=go]")));
        assertThat(language.getText()).isEqualTo("Go");

        // A bad name: the server's reason is shown.
        driver.findElement(By.id("scaffold-name")).sendKeys("Bad Name!");
        driver.findElement(By.id("scaffold-submit")).click();
        WebElement refused = wait.until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#scaffold-result .banner-error")));
        assertThat(refused.getText()).startsWith("Could not scaffold\n").contains("name");

        driver.findElement(By.id("scaffold-name")).clear();
        driver.findElement(By.id("scaffold-name")).sendKeys("word_count");
        driver.findElement(By.id("scaffold-display-name")).sendKeys("Word Count");
        driver.findElement(By.id("scaffold-description")).sendKeys("Counts the words in a text field.");
        new Select(driver.findElement(By.id("scaffold-language"))).selectByValue("go");
        driver.findElement(By.id("scaffold-submit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("scaffold-done")));
        screenshot("scaffold");

        Path zip = downloads.resolve("nlink-community.word_count.zip");
        slow.until(d -> Files.isRegularFile(zip)
                && !Files.exists(downloads.resolve("nlink-community.word_count.zip.crdownload")));
        try (ZipFile file = new ZipFile(zip.toFile())) {
            List<String> names = file.stream().map(ZipEntry::getName).toList();
            assertThat(names)
                    .contains(
                            "nlink-community.word_count/definition.json",
                            "nlink-community.word_count/package.json",
                            "nlink-community.word_count/main.go");
            String definition = new String(
                    file.getInputStream(file.getEntry("nlink-community.word_count/definition.json"))
                            .readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(definition).contains("Word Count");
        }
    }

    @Test
    @Order(4)
    void uploadTheGoNodeAndRunTwoItems() throws Exception {
        Path zip = temp.resolve("hello-go.zip");
        pack(EXAMPLES.resolve("hello-go"), zip);
        upload(zip);
        slow.until(ExpectedConditions.urlContains("#/nodes/" + HELLO + "/1.0.0"));
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-title")))
                        .getText())
                .isEqualTo("WASM Demo (Go)");
        assertThat(driver.findElement(By.id("node-runtime")).getText()).isEqualTo("WebAssembly");
        assertThat(driver.findElement(By.id("node-facts")).getText())
                .contains("Golden vectors", "sandbox cap 512 pages");
        assertThat(driver.findElements(By.cssSelector("#capability-sheet tbody tr")))
                .isNotEmpty();
        assertThat(driver.findElement(By.id("download-package")).getAttribute("href"))
                .endsWith("/api/nodes/" + HELLO + "/versions/1.0.0/package");
        screenshot("node-page");

        WebElement text = driver.findElement(By.id("param-text"));
        assertThat(text.getAttribute("value")).isEqualTo("World");
        text.clear();
        text.sendKeys("Selenium");
        WebElement items = driver.findElement(By.id("run-items"));
        assertThat(items.getAttribute("value")).isEqualTo("[{}]");

        // The editor refuses what is not an array of objects before anything is sent.
        items.clear();
        items.sendKeys("[1, 2]");
        driver.findElement(By.id("run-submit")).click();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(
                                By.cssSelector("#run-errors .banner-error")))
                        .getText())
                .contains("Item 0 is a number");

        items.clear();
        items.sendKeys("[{\"city\": \"Oslo\", \"n\": 1}, {\"city\": \"Lima\", \"n\": 2}]");
        driver.findElement(By.id("run-submit")).click();
        slow.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#run-output-table tbody tr"), 2));

        // Columns: "input #", then the union of the output items' keys in the order the node wrote them.
        List<String> headers = driver.findElements(By.cssSelector("#run-output-table thead th")).stream()
                .map(WebElement::getText)
                .toList();
        assertThat(headers.get(0)).isEqualTo("input #");
        assertThat(headers.subList(1, headers.size()))
                .containsExactlyInAnyOrder("message", "original_data", "wasm_processed");
        List<WebElement> rows = driver.findElements(By.cssSelector("#run-output-table tbody tr"));
        String[] cities = {"Oslo", "Lima"};
        for (int i = 0; i < 2; i++) {
            List<String> cells = rows.get(i).findElements(By.tagName("td")).stream()
                    .map(WebElement::getText)
                    .toList();
            assertThat(cells.get(0)).isEqualTo(String.valueOf(i));
            assertThat(cells.get(headers.indexOf("message")))
                    .isEqualTo("Hello, Selenium! Greetings from WebAssembly Runtime! \uD83D\uDE80");
            assertThat(cells.get(headers.indexOf("original_data")))
                    .isEqualTo("{\"city\":\"" + cities[i] + "\",\"n\":" + (i + 1) + "}");
            assertThat(cells.get(headers.indexOf("wasm_processed"))).isEqualTo("true");
        }
        String summary = driver.findElement(By.id("run-summary")).getText();
        assertThat(summary).contains("WebAssembly", "2 in → 2 out", "of 32.0 MiB");
        assertThat(driver.findElements(By.cssSelector("#run-output-table .error-row")))
                .isEmpty();
        assertThat(driver.findElements(By.id("run-logs"))).isEmpty();

        // The raw JSON is one click away and holds the same results.
        driver.findElement(By.id("run-tab-json")).click();
        WebElement json = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("run-json")));
        assertThat(json.getText()).contains("\"itemsOut\": 2", "Hello, Selenium!");
        driver.findElement(By.id("run-tab-table")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("run-output-table")));

        scrollTo(By.id("test-run"));
        screenshot("test-run");
    }

    @Test
    @Order(5)
    void failingItemsBecomeErrorRowsWithTheirLogs() throws Exception {
        Path zip = temp.resolve("probe-go.zip");
        pack(EXAMPLES.resolve("probe-go"), zip);
        upload(zip);
        slow.until(ExpectedConditions.urlContains("#/nodes/nlink-community.sandbox_probe/1.0.0"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-mode")));

        new Select(driver.findElement(By.id("param-mode"))).selectByVisibleText("Print to stdout and stderr");
        driver.findElement(By.id("run-submit")).click();
        WebElement logs = slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("run-logs")));
        assertThat(logs.getText()).contains("stdout", "stderr");

        new Select(driver.findElement(By.id("param-mode"))).selectByVisibleText("Panic");
        WebElement items = driver.findElement(By.id("run-items"));
        items.clear();
        items.sendKeys("[{\"a\": 1}, {\"a\": 2}]");
        driver.findElement(By.id("run-submit")).click();
        slow.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#run-output-table tbody tr.error-row"), 2));
        String row = driver.findElement(By.cssSelector("#run-output-table tbody tr.error-row"))
                .getText();
        assertThat(row).startsWith("0").containsIgnoringCase("panic");
        assertThat(driver.findElement(By.id("run-summary")).getText()).contains("2 in → 0 out");
        scrollTo(By.className("run-results"));
        screenshot("test-run-errors");
    }

    @Test
    @Order(6)
    void aHostileZipIsRefusedWithItsReason() throws Exception {
        Path zip = temp.resolve("evil.zip");
        try (OutputStream out = Files.newOutputStream(zip);
                ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("nlink-community.evil/package.json"));
            z.write("{\"name\":\"nlink-community.evil\",\"version\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
            z.putNextEntry(new ZipEntry("../evil"));
            z.write("#!/bin/sh\necho owned\n".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        upload(zip);
        WebElement banner = slow.until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#upload-result .banner-error")));
        assertThat(banner.findElement(By.className("banner-title")).getText()).isEqualTo("evil.zip was refused");
        List<WebElement> problems = banner.findElements(By.cssSelector("table.problems tbody tr"));
        assertThat(problems).anySatisfy(tr -> {
            List<WebElement> cells = tr.findElements(By.tagName("td"));
            assertThat(cells.get(0).getText()).isEqualTo("../evil");
            assertThat(cells.get(2).getText()).contains("escapes the package folder");
        });
        assertThat(driver.getCurrentUrl()).endsWith("#/store");
        screenshot("upload-refused");
    }

    @Test
    @Order(7)
    void strangersNamesAreShownAsText() throws Exception {
        // Version 1.0.1 of the Go node with markup in its display name.
        Path zip = packVersion("hostile", "1.0.1", "\"displayName\": \"" + HOSTILE_NAME.replace("\"", "\\\"") + "\"");
        upload(zip);
        slow.until(ExpectedConditions.urlContains("#/nodes/" + HELLO + "/1.0.1"));
        WebElement title = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-title")));
        assertThat(title.getText()).isEqualTo(HOSTILE_NAME);
        assertThat(title.findElements(By.xpath(".//*"))).isEmpty();
        assertThat(driver.getTitle()).isEqualTo(HOSTILE_NAME + " 1.0.1 · nLink");
        assertNotPwned();

        // Both versions are offered; choosing one opens it.
        Select versions = new Select(driver.findElement(By.id("version-select")));
        assertThat(versions.getOptions().stream().map(WebElement::getText).toList())
                .containsExactly("1.0.1 (latest)", "1.0.0");
        versions.selectByValue("1.0.0");
        wait.until(ExpectedConditions.urlContains("#/nodes/" + HELLO + "/1.0.0"));
        wait.until(ExpectedConditions.textToBe(By.id("node-version"), "1.0.0"));

        driver.get(server.url() + "/#/store");
        WebElement table = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nodes-table")));
        assertThat(table.getText()).contains(HOSTILE_NAME);
        assertThat(table.findElements(By.tagName("img"))).isEmpty();
        assertThat(table.findElements(By.tagName("b"))).isEmpty();
        assertNotPwned();
    }

    @Test
    @Order(8)
    void removeAVersionThenTheStoreList() throws Exception {
        driver.get(server.url() + "/#/nodes/" + HELLO + "/1.0.1");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("remove-node")))
                .click();
        wait.until(ExpectedConditions.elementToBeClickable(By.id("remove-confirm")))
                .click();
        wait.until(ExpectedConditions.urlContains("#/nodes/" + HELLO + "/1.0.0"));
        wait.until(ExpectedConditions.textToBe(By.id("node-version"), "1.0.0"));
        assertThat(new Select(driver.findElement(By.id("version-select"))).getOptions())
                .hasSize(1);

        upload(packVersion("newer", "1.1.0", null));
        slow.until(ExpectedConditions.urlContains("#/nodes/" + HELLO + "/1.1.0"));
        wait.until(ExpectedConditions.textToBe(By.id("node-version"), "1.1.0"));

        driver.get(server.url() + "/#/store");
        WebElement table = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nodes-table")));
        List<WebElement> rows = table.findElements(By.cssSelector("tbody tr"));
        assertThat(rows).hasSize(2);
        WebElement hello = table.findElement(By.cssSelector("tbody tr[data-node='" + HELLO + "']"));
        List<String> cells = hello.findElements(By.tagName("td")).stream()
                .map(WebElement::getText)
                .toList();
        assertThat(cells.subList(0, 4)).containsExactly("WASM Demo (Go)", HELLO, "1.1.0", "1.0.0");
        assertThat(table.getText()).contains("Sandbox Probe").doesNotContain("onerror");
        screenshot("store");
    }

    @Test
    @Order(9)
    void apiKeysAndUsers() {
        driver.get(server.url() + "/#/settings/api-keys");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key-name")))
                .sendKeys("deploy script");
        driver.findElement(By.id("api-key-submit")).click();
        String key = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key-secret")))
                .getText();
        assertThat(key).isNotBlank();
        WebElement keys = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-keys-table")));
        assertThat(keys.getText()).contains("deploy script").doesNotContain(key);
        WebElement revoke = keys.findElement(By.cssSelector("tbody tr button"));
        revoke.click();
        assertThat(revoke.getText()).isEqualTo("Click again to revoke");
        revoke.click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".main"), "No API keys."));

        driver.get(server.url() + "/#/settings/users");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("user-username")))
                .sendKeys("mia");
        driver.findElement(By.id("user-password")).sendKeys("mia's long password");
        new Select(driver.findElement(By.id("user-role"))).selectByValue("admin");
        driver.findElement(By.id("user-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("users-table"), "mia"));
        assertThat(driver.findElement(By.id("users-table")).getText()).contains("owner", "mia", "admin");
        // Controls for others' accounts, none for the owner's own (which nobody may change).
        WebElement ownerRow = driver.findElement(By.cssSelector("#users-table tr[data-user='" + OWNER + "']"));
        assertThat(ownerRow.findElements(By.cssSelector("button, select"))).isEmpty();
        WebElement miaRow = driver.findElement(By.cssSelector("#users-table tr[data-user='mia']"));
        assertThat(miaRow.findElements(By.cssSelector(".user-disable, .user-reset, .user-remove, .user-role-select")))
                .hasSize(4);
        miaRow.findElement(By.cssSelector(".user-reset")).click();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("reset-link")))
                        .getText())
                .contains(server.url() + "/#/reset-password?token=");
        assertNoConsoleErrors();
    }

    @Test
    @Order(10)
    void membersSeeTheStoreButCannotChangeIt() {
        driver.findElement(By.id("user-username")).sendKeys("sam");
        driver.findElement(By.id("user-password")).sendKeys("sam's long password");
        new Select(driver.findElement(By.id("user-role"))).selectByValue("member");
        driver.findElement(By.id("user-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("users-table"), "sam"));

        driver.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-username")));

        // A link to a node page while signed out: sign in, then that page opens.
        driver.get(server.url() + "/#/nodes/" + HELLO + "/1.1.0");
        wait.until(ExpectedConditions.urlContains("#/login?next="));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-username")))
                .sendKeys("sam");
        driver.findElement(By.id("login-password")).sendKeys("sam's long password");
        driver.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("current-user"), "sam"));
        wait.until(ExpectedConditions.urlContains("#/nodes/" + HELLO + "/1.1.0"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-title")));
        assertThat(driver.findElements(By.linkText("Users"))).isEmpty();
        assertThat(driver.findElements(By.linkText("Your password"))).hasSize(1);
        assertThat(driver.findElements(By.id("remove-node"))).isEmpty();
        // Members may test-run.
        driver.findElement(By.id("run-submit")).click();
        slow.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#run-output-table tbody tr"), 1));
        assertThat(driver.findElement(By.id("run-output-table")).getText()).contains("Hello, World!");

        driver.findElement(By.linkText("Community Store")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nodes-table")));
        assertThat(driver.findElements(By.id("upload-file"))).isEmpty();
        assertThat(driver.findElement(By.cssSelector(".main")).getText())
                .contains("Only the owner and admins can upload packages.");
        assertNoConsoleErrors();
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** The Go example as another version, optionally with another definition.json displayName line. */
    private Path packVersion(String label, String version, String displayNameLine) throws Exception {
        Path dir = Files.createDirectories(temp.resolve(label).resolve("hello-go"));
        try (Stream<Path> files = Files.list(EXAMPLES.resolve("hello-go"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        replace(dir.resolve("package.json"), "\"version\": \"1.0.0\"", "\"version\": \"" + version + "\"");
        if (displayNameLine != null)
            replace(dir.resolve("definition.json"), "\"displayName\": \"WASM Demo (Go)\"", displayNameLine);
        Path zip = temp.resolve(label + ".zip");
        pack(dir, zip);
        return zip;
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).as(file.toString()).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    /** The hostile display name's onerror never ran. */
    private void assertNotPwned() {
        assertThat(((JavascriptExecutor) driver).executeScript("return window.pwned === undefined;"))
                .isEqualTo(true);
    }
}
