package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nlink.server.ServerConfig;
import io.nlink.workflow.http.EgressPolicy;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The Credentials pages in a real browser: credentials of each kind are created from their type's
 * fields (the same fields replace a secret), each opening its own page; there an OAuth2 one is tested
 * against a real token server on loopback (allowed for this server) and one is deleted; no secret the
 * form was given ever comes back into the page.
 */
class CredentialsBrowserTest extends BrowserTestBase {
    static final String HEADER_SECRET = "s3cret-header-value";
    static final String CLIENT_SECRET = "s3cret-client";
    static final String TOKEN = "tok-browser-test";

    /** What the token server was sent: its Authorization header and body. */
    final List<String> tokenRequests = new CopyOnWriteArrayList<>();

    HttpServer tokens;

    @Override
    ServerConfig serverConfig(ServerConfig defaults) {
        try {
            tokens = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        tokens.createContext("/token", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String authorization = x.getRequestHeaders().getFirst("Authorization");
            tokenRequests.add(authorization + " " + body);
            String expected = "Basic "
                    + java.util.Base64.getEncoder()
                            .encodeToString(("browser-app:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
            boolean right = expected.equals(authorization) && body.contains("grant_type=client_credentials");
            byte[] answer = (right
                            ? "{\"access_token\": \"" + TOKEN + "\", \"token_type\": \"bearer\", \"expires_in\": 3600}"
                            : "{\"error\": \"invalid_client\", \"error_description\": \"wrong secret\"}")
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(right ? 200 : 401, answer.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(answer);
            }
        });
        tokens.start();
        return defaults.withHttpEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1"));
    }

    @AfterAll
    void stopTokenServer() {
        if (tokens != null) tokens.stop(0);
    }

    String tokenUrl() {
        return "http://127.0.0.1:" + tokens.getAddress().getPort() + "/token";
    }

    void create(String name, String type, String... fieldValues) {
        new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("credential-type")))).selectByValue(type);
        WebElement nameInput = driver.findElement(By.id("credential-name"));
        nameInput.clear();
        nameInput.sendKeys(name);
        for (int i = 0; i < fieldValues.length; i += 2) {
            WebElement input = wait.until(
                    ExpectedConditions.visibilityOfElementLocated(By.id("credential-field-" + fieldValues[i])));
            input.clear();
            input.sendKeys(fieldValues[i + 1]);
        }
        driver.findElement(By.id("credential-submit")).click();
    }

    /** The list's row of the credential {@code name}, whose name links to its page. */
    WebElement row(String name) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(rowOf(name)));
    }

    static By rowOf(String name) {
        return By.xpath("//table[@id='credentials-table']//tr[td[@class='credential-name']/a[text()='" + name + "']]");
    }

    /** After a create: the new credential's own page, saying it was stored. */
    void onItsPage(String name) {
        wait.until(ExpectedConditions.textToBe(By.id("credential-title"), name));
        assertThat(driver.getCurrentUrl()).matches(".*#/credentials/[A-Za-z0-9]+$");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(
                By.id("credential-stored"), "Credential “" + name + "” stored"));
    }

    void openList() {
        driver.get(server.url() + "/#/credentials");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("credential-type")));
    }

    @Test
    @Order(1)
    void createTestAndDeleteWithoutEverShowingASecret() throws Exception {
        setUpOwner();
        driver.get(server.url() + "/#/credentials");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("credentials-empty")));
        // The form asks for each type's fields; secrets in password inputs.
        new Select(wait.until(ExpectedConditions.elementToBeClickable(By.id("credential-type"))))
                .selectByValue("oAuth2Api");
        assertThat(driver.findElement(By.id("credential-field-clientSecret")).getAttribute("type"))
                .isEqualTo("password");
        assertThat(driver.findElement(By.id("credential-field-accessTokenUrl")).getAttribute("type"))
                .isEqualTo("text");
        // A field of a few values is a choice, its default chosen.
        assertThat(new Select(driver.findElement(By.id("credential-field-authentication")))
                        .getFirstSelectedOption()
                        .getText())
                .isEqualTo("header");
        assertThat(new Select(driver.findElement(By.id("credential-field-authentication"))).getOptions())
                .extracting(WebElement::getText)
                .containsExactly("header", "body");

        // A PEM key spans lines: a text area; the JWT passphrase is a secret.
        new Select(driver.findElement(By.id("credential-type"))).selectByValue("jwtAuth");
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("credential-field-publicKey")))
                        .getTagName())
                .isEqualTo("textarea");
        assertThat(driver.findElement(By.id("credential-field-secret")).getAttribute("type"))
                .isEqualTo("password");
        assertThat(new Select(driver.findElement(By.id("credential-field-algorithm")))
                        .getFirstSelectedOption()
                        .getText())
                .isEqualTo("HS256");
        assertThat(new Select(driver.findElement(By.id("credential-field-algorithm"))).getOptions())
                .extracting(WebElement::getText)
                .doesNotContain("none")
                .contains("RS256", "ES512");

        // A refused credential shows the server's problems, naming the field, and stays on the list.
        create("Broken key", "httpHeaderAuth", "name", "Bad Header:", "value", HEADER_SECRET);
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(
                                By.cssSelector("#credential-errors .banner-error")))
                        .getText())
                .contains("data.name")
                .contains("is not a valid header name");

        // A stored one opens its own page.
        create("Example API key", "httpHeaderAuth", "name", "X-Api-Key", "value", HEADER_SECRET);
        onItsPage("Example API key");
        // A header credential is proved only by the service it goes to: no Test button.
        assertThat(driver.findElements(By.id("credential-test"))).isEmpty();
        // Replacing the secret asks with the same fields, the stored secret in none of them.
        driver.findElement(By.id("credential-edit-replace")).click();
        assertThat(new Select(driver.findElement(By.id("credential-edit-type")))
                        .getFirstSelectedOption()
                        .getDomAttribute("value"))
                .isEqualTo("httpHeaderAuth");
        WebElement replacement =
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("credential-edit-field-value")));
        assertThat(replacement.getAttribute("type")).isEqualTo("password");
        assertThat(replacement.getAttribute("value")).isEmpty();
        assertThat(driver.findElement(By.id("credential-edit-field-name")).getAttribute("value"))
                .isEmpty();
        new Select(driver.findElement(By.id("credential-edit-type"))).selectByValue("oAuth2Api");
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(
                                By.id("credential-edit-field-clientSecret")))
                        .getAttribute("type"))
                .isEqualTo("password");
        assertThat(new Select(driver.findElement(By.id("credential-edit-field-authentication")))
                        .getFirstSelectedOption()
                        .getText())
                .isEqualTo("header");
        // Back on the list: its row, and nothing typed left in the form.
        openList();
        WebElement header = row("Example API key");
        assertThat(header.getText()).contains("Header auth (httpHeaderAuth)").contains(OWNER);
        new Select(driver.findElement(By.id("credential-type"))).selectByValue("httpHeaderAuth");
        assertThat(driver.findElement(By.id("credential-field-value")).getAttribute("value"))
                .isEmpty();

        create(
                "Token service",
                "oAuth2Api",
                "accessTokenUrl",
                tokenUrl(),
                "clientId",
                "browser-app",
                "clientSecret",
                CLIENT_SECRET);
        onItsPage("Token service");
        driver.findElement(By.id("credential-test")).click();
        WebElement ok = wait.until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#credential-test-result .banner-ok")));
        assertThat(ok.getText()).isEqualTo("got a bearer token from " + tokenUrl() + ", valid for 3600 s");
        assertThat(tokenRequests)
                .singleElement()
                .satisfies(r -> assertThat(r).contains("grant_type=client_credentials"));
        assertThat(driver.getPageSource()).doesNotContain(CLIENT_SECRET).doesNotContain(TOKEN);

        openList();
        create(
                "Wrong secret",
                "oAuth2Api",
                "accessTokenUrl",
                tokenUrl(),
                "clientId",
                "browser-app",
                "clientSecret",
                "not-it");
        onItsPage("Wrong secret");
        driver.findElement(By.id("credential-test")).click();
        WebElement refused = wait.until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#credential-test-result .banner-error")));
        assertThat(refused.getText()).contains("answered HTTP 401 (invalid_client: wrong secret)");
        assertThat(driver.findElements(By.cssSelector("#credential-test-result .banner-ok")))
                .isEmpty();
        screenshot("credentials");

        // Delete asks twice, then goes back to the list, without it.
        WebElement delete = driver.findElement(By.id("credential-delete"));
        delete.click();
        assertThat(delete.getText()).isEqualTo("Click again to delete");
        delete.click();
        wait.until(ExpectedConditions.urlMatches("#/credentials$"));
        row("Token service");
        assertThat(driver.findElements(rowOf("Wrong secret"))).isEmpty();

        // Nothing typed as a secret, nor the token, is anywhere in the page, nor after a reload.
        for (int pass = 0; pass < 2; pass++) {
            String page = driver.getPageSource();
            assertThat(page)
                    .doesNotContain(HEADER_SECRET)
                    .doesNotContain(CLIENT_SECRET)
                    .doesNotContain(TOKEN)
                    .contains("Token service");
            driver.navigate().refresh();
            row("Example API key");
        }
        assertThat(driver.findElements(By.cssSelector("#credentials-table tbody tr[data-credential-id]")))
                .hasSize(2);
        assertNoConsoleErrors();
    }
}
