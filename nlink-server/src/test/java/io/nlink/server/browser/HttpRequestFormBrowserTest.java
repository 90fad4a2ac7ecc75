package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nlink.server.ServerConfig;
import io.nlink.workflow.http.EgressPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The HTTP Request node's form, rendered from its definition (httpRequest.json) in a real browser:
 * added from the palette, its fields shown and hidden by displayOptions as the choices change, and
 * what the form writes run by the node against a loopback server (allowed to this server the way an
 * operator allows it, --allow-http-to), which records the request it got.
 */
class HttpRequestFormBrowserTest extends BrowserTestBase {
    /** The request the loopback server last got: method, headers it was asked about, body. */
    record Received(String method, String query, String fromForm, String contentType, String body) {}

    final AtomicReference<Received> received = new AtomicReference<>();
    HttpServer remote;

    @Override
    ServerConfig serverConfig(ServerConfig defaults) {
        try {
            remote = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        remote.createContext("/echo", exchange -> {
            received.set(new Received(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders().getFirst("X-From-Form"),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            byte[] answer = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        remote.start();
        return defaults.withHttpEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1"));
    }

    @AfterAll
    void stopRemote() {
        if (remote != null) remote.stop(0);
    }

    @Test
    @Order(1)
    void theFormShowsWhatAppliesAndTheNodeRunsWhatItWrites() throws Exception {
        setUpOwner();
        driver.get(server.url() + "/#/workflows");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("workflow-new")))
                .click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("canvas-empty")));
        add("manual", "n8n-nodes-base.manualTrigger");
        add("http", "n8n-nodes-base.httpRequest");
        wait.until(ExpectedConditions.attributeToBe(By.id("node-panel-name"), "value", "HTTP Request"));
        wire("Manual Trigger", "HTTP Request");
        wait.until(d -> d.findElements(By.cssSelector("#workflow-graph path.graph-edge[data-to='HTTP Request']"))
                        .size()
                == 1);
        node("HTTP Request").click();

        // Method (GET by default) and the URL, which is required until given.
        assertThat(new Select(field("method")).getFirstSelectedOption().getText())
                .isEqualTo("GET");
        WebElement url = driver.findElement(By.cssSelector("[data-param='url']"));
        assertThat(url.getText()).contains("URL", "Required", "--allow-http-to");
        assertThat(url.getAttribute("class")).contains("param-missing");
        // and marked on the canvas, through the redraw that selecting the node made
        assertThat(node("HTTP Request").getAttribute("class")).contains("graph-node-issues");
        // What does not apply is not shown: no body with GET, no header fields until headers are sent.
        assertThat(shown())
                .contains("method", "url", "authentication", "sendQuery", "sendHeaders", "options")
                .doesNotContain(
                        "sendBody",
                        "contentType",
                        "genericAuthType",
                        "headerParameters",
                        "jsonHeaders",
                        "queryParameters");

        field("url").sendKeys("http://127.0.0.1:" + remote.getAddress().getPort() + "/echo?from=url");
        assertThat(url.getAttribute("class")).doesNotContain("param-missing");

        // Headers: switched on, the name/value rows show; "Using JSON" swaps them for a JSON field.
        field("sendHeaders").click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-headerParameters.parameters.0.name")));
        assertThat(shown()).contains("specifyHeaders", "headerParameters").doesNotContain("jsonHeaders");
        new Select(field("specifyHeaders")).selectByVisibleText("Using JSON");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-jsonHeaders")));
        assertThat(shown()).doesNotContain("headerParameters");
        new Select(field("specifyHeaders")).selectByVisibleText("Using Fields Below");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-headerParameters.parameters.0.name")))
                .sendKeys("X-From-Form");
        driver.findElement(By.id("param-headerParameters.parameters.0.value")).sendKeys("=hello {{ $json.name }}");

        // A generic credential asks for its type, required until chosen; back to none, it goes away.
        new Select(field("authentication")).selectByVisibleText("Generic Credential Type");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-genericAuthType")));
        assertThat(driver.findElement(By.cssSelector("[data-param='genericAuthType']"))
                        .getText())
                .contains("Required");
        assertThat(new Select(field("genericAuthType"))
                        .getOptions().stream().map(WebElement::getText).toList())
                .containsExactly("Choose a Type", "Basic Auth", "Bearer Auth", "Header Auth", "Query Auth");
        new Select(field("authentication")).selectByVisibleText("None");
        wait.until(d -> !shown().contains("genericAuthType"));

        // POST offers a body; its fields follow the content type.
        new Select(field("method")).selectByVisibleText("POST");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-sendBody")))
                .click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-bodyParameters.parameters.0.name")));
        assertThat(shown())
                .contains("contentType", "specifyBody", "bodyParameters")
                .doesNotContain("jsonBody", "rawContentType", "body");
        new Select(field("contentType")).selectByVisibleText("Raw");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-rawContentType")));
        assertThat(shown()).contains("rawContentType", "body").doesNotContain("specifyBody", "bodyParameters");
        new Select(field("contentType")).selectByVisibleText("Form Urlencoded");
        new Select(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-specifyBody"))))
                .selectByVisibleText("Using Single Field");
        wait.until(d -> shown().contains("body") && !shown().contains("bodyParameters"));
        new Select(field("contentType")).selectByVisibleText("JSON");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-bodyParameters.parameters.0.name")))
                .sendKeys("greeting");
        driver.findElement(By.id("param-bodyParameters.parameters.0.value")).sendKeys("hi");

        // Options: the response group, whose output field goes when the full response is asked for.
        new Select(field("options-add")).selectByVisibleText("Response");
        wait.until(
                ExpectedConditions.visibilityOfElementLocated(By.id("param-options.response.response.fullResponse")));
        assertThat(shown())
                .contains("options.response.response.outputPropertyName", "options.response.response.responseFormat");
        field("options.response.response.fullResponse").click();
        wait.until(d -> !shown().contains("options.response.response.outputPropertyName"));

        // GET again hides the body; POST brings it back as it was.
        new Select(field("method")).selectByVisibleText("GET");
        wait.until(d -> !shown().contains("sendBody") && !shown().contains("bodyParameters"));
        new Select(field("method")).selectByVisibleText("POST");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-bodyParameters.parameters.0.name")));
        screenshot("http-request-form");

        // Saved and run: the node sent what the form says.
        WebElement name = driver.findElement(By.id("workflow-name"));
        name.clear();
        name.sendKeys("Call the echo");
        driver.findElement(By.id("canvas-save")).click();
        wait.until(ExpectedConditions.urlMatches("#/workflows/\\d+$"));
        wait.until(d -> node("HTTP Request") != null);
        WebElement items = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("workflow-items")));
        driver.executeScript("arguments[0].value = arguments[1];", items, "[{\"name\": \"ada\"}]");
        driver.findElement(By.id("workflow-run")).click();
        slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-execution")));
        assertThat(driver.findElement(By.id("execution-status")).getText())
                .as(driver.findElement(By.id("workflow-run-result")).getText())
                .isEqualTo("success");
        assertThat(received.get())
                .isEqualTo(new Received("POST", "from=url", "hello ada", "application/json", "{\"greeting\":\"hi\"}"));
        assertThat(driver.findElement(By.id("workflow-run-output")).getText())
                .contains("\"statusCode\": 200", "\"ok\": true");
        assertNoConsoleErrors();
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** The panel's field for a parameter path (dots between steps). */
    private WebElement field(String path) {
        return driver.findElement(By.id("param-" + path));
    }

    /** The parameter paths the panel shows now. */
    private List<String> shown() {
        return driver.findElements(By.cssSelector("#node-parameters [data-param]")).stream()
                .map(e -> e.getAttribute("data-param"))
                .toList();
    }

    /** Picks a type from the palette after searching for it. */
    private void add(String query, String type) {
        WebElement search = driver.findElement(By.id("palette-search"));
        search.clear();
        search.sendKeys(query);
        wait.until(ExpectedConditions.elementToBeClickable(
                        By.cssSelector("#palette-list .palette-item[data-type='" + type + "']")))
                .click();
    }

    private WebElement node(String name) {
        return driver.findElement(By.cssSelector("#workflow-graph g.graph-node[data-node='" + name + "']"));
    }

    /** Drags from the first output of {@code from} to the first input of {@code to}. */
    private void wire(String from, String to) {
        WebElement source = node(from).findElement(By.cssSelector(".port-out[data-output='0']"));
        WebElement target = node(to).findElement(By.cssSelector(".port-in[data-input='0']"));
        new Actions(driver)
                .clickAndHold(source)
                .moveByOffset(20, 10)
                .moveToElement(target)
                .release()
                .perform();
    }
}
