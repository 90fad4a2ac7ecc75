package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The workflow pages in a real browser: the two community nodes of examples/workflows/greetings.json
 * (Go compiled to WebAssembly, and a JavaScript-only package) are uploaded, the workflow is imported
 * from its file, run on examples/workflows/people.json, and the execution's node outputs are read.
 * Writes the README's workflow screenshots on the way.
 */
class WorkflowBrowserTest extends BrowserTestBase {
    static final Path WORKFLOWS = EXAMPLES.resolve("workflows");
    static final Path HELLO_JS = EXAMPLES.resolveSibling("bench").resolve("nodes/hello-js");
    static final String GREETING = "! Greetings from WebAssembly Runtime! \uD83D\uDE80";
    /** A node name with markup: the graph, the banner and the node's section must show it as text. */
    static final String BOOM = "Boom<img src=x onerror=window.pwned=1>";

    @Test
    @Order(1)
    void uploadTheCommunityNodesTheWorkflowUses() throws Exception {
        setUpOwner();
        Path go = temp.resolve("hello-go.zip");
        pack(EXAMPLES.resolve("hello-go"), go);
        upload(go);
        slow.until(ExpectedConditions.urlContains("#/nodes/nlink-community.wasm_demo/1.0.0"));
        wait.until(ExpectedConditions.textToBe(By.id("node-runtime"), "WebAssembly"));

        // hello-js has no execution.wasm: it runs its execution.js in the JavaScript sandbox.
        Path js = temp.resolve("hello-js.zip");
        try (OutputStream out = Files.newOutputStream(js);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String name : List.of("package.json", "definition.json", "execution.js")) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(Files.readAllBytes(HELLO_JS.resolve(name)));
                zip.closeEntry();
            }
        }
        upload(js);
        slow.until(ExpectedConditions.urlContains("#/nodes/nlink-community.hello_js/1.0.0"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-title")));
    }

    @Test
    @Order(2)
    void anInvalidImportShowsEveryProblem() {
        driver.get(server.url() + "/#/workflows");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".main"), "No workflows yet"));
        WebElement text = driver.findElement(By.id("import-json"));

        // Not JSON: the page says so before anything is sent.
        text.sendKeys("{\"nodes\": [");
        driver.findElement(By.id("import-submit")).click();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(
                                By.cssSelector("#import-result .banner-error")))
                        .getText())
                .startsWith("This is not valid JSON");

        text.clear();
        text.sendKeys(
                "{\"name\": \"Broken\", \"nodes\": ["
                        + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"position\": [0, 0], \"parameters\": {}},"
                        + "{\"name\": \"Fetch\", \"type\": \"n8n-nodes-base.googleSheets\", \"position\": [200, 0], \"parameters\": {}},"
                        + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.noOp\", \"position\": [400, 0], \"parameters\": {}}],"
                        + " \"connections\": {\"Start\": {\"main\": [[{\"node\": \"Nowhere\", \"type\": \"main\", \"index\": 0}]]}}}");
        driver.findElement(By.id("import-submit")).click();
        WebElement banner = slow.until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#import-result .banner-error")));
        assertThat(banner.findElement(By.className("banner-title")).getText())
                .isEqualTo("The workflow was refused: it cannot run");
        List<String> problems = banner.findElements(By.cssSelector(".problems-list li")).stream()
                .map(WebElement::getText)
                .toList();
        assertThat(problems).hasSizeGreaterThanOrEqualTo(3);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("n8n-nodes-base.googleSheets"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("nodes[2].name"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("Nowhere"));
        assertThat(driver.getCurrentUrl()).endsWith("#/workflows");
        assertThat(driver.findElements(By.id("workflows-table"))).isEmpty();
    }

    @Test
    @Order(3)
    void importGreetingsAndRunIt() throws Exception {
        driver.get(server.url() + "/#/workflows");
        WebElement file = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("import-file")));
        file.sendKeys(WORKFLOWS.resolve("greetings.json").toString());
        wait.until(
                d -> d.findElement(By.id("import-json")).getAttribute("value").contains("Greet in Go"));
        driver.findElement(By.id("import-submit")).click();

        slow.until(ExpectedConditions.urlMatches("#/workflows/\\d+$"));
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-title")))
                        .getText())
                .isEqualTo("Greetings");
        List<WebElement> boxes = driver.findElements(By.cssSelector("#workflow-graph g.graph-node"));
        assertThat(boxes).hasSize(7);
        assertThat(driver.findElements(By.cssSelector("#workflow-graph path.graph-edge")))
                .hasSize(7);
        // The community nodes carry their version: pinned, or the latest installed.
        WebElement go = driver.findElement(By.cssSelector("#workflow-graph g[data-node='Greet in Go']"));
        assertThat(go.findElement(By.className("graph-badge")).getText()).isEqualTo("v1.0.0");
        assertThat(driver.findElement(By.cssSelector("#workflow-graph g[data-node='Greet in JavaScript'] .graph-badge"))
                        .getText())
                .isEqualTo("latest");
        assertThat(driver.findElements(By.cssSelector("#workflow-graph g[data-node='Adult?'] .port-label")).stream()
                        .map(WebElement::getText)
                        .toList())
                .containsExactly("true", "false");

        WebElement items = driver.findElement(By.id("workflow-items"));
        assertThat(items.getAttribute("value")).isEqualTo("[{}]");
        items.clear();
        items.sendKeys(Files.readString(WORKFLOWS.resolve("people.json")).strip());
        driver.findElement(By.id("workflow-run")).click();

        slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-execution")));
        assertThat(driver.findElement(By.id("execution-status")).getText()).isEqualTo("success");
        // The canvas is drawn anew with the statuses: find the box again.
        assertThat(driver.findElement(By.cssSelector("#workflow-graph g[data-node='Greet in Go']"))
                        .getAttribute("data-status"))
                .isEqualTo("success");
        assertThat(driver.findElement(By.cssSelector("#workflow-graph g[data-node='Count']"))
                        .getAttribute("class"))
                .contains("status-success");
        assertThat(driver.findElement(By.id("workflow-run-output")).getText())
                .contains("Hello, young LINUS" + GREETING);
        // The run shows up in the workflow's executions.
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#workflow-executions tbody tr"), 1));
        screenshot("workflow-page");

        // Export downloads the definition as it is stored.
        driver.findElement(By.id("workflow-export")).click();
        Path exported = downloads.resolve("Greetings.json");
        wait.until(d -> Files.isRegularFile(exported) && !Files.exists(downloads.resolve("Greetings.json.crdownload")));
        assertThat(Files.readString(exported)).contains("\"Greet in Go\"", "\"packageVersion\": \"1.0.0\"");
    }

    @Test
    @Order(4)
    void theExecutionShowsEachNodesOutput() throws Exception {
        driver.findElement(By.id("workflow-run-execution")).click();
        wait.until(ExpectedConditions.urlMatches("#/executions/\\d+"));
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("execution-status")))
                        .getText())
                .isEqualTo("success");
        wait.until(ExpectedConditions.numberOfElementsToBe(
                By.cssSelector("#workflow-graph g.graph-node.status-success"), 7));

        // A node chosen on the graph.
        driver.findElement(By.cssSelector("#workflow-graph g[data-node='Greet in Go']"))
                .click();
        wait.until(ExpectedConditions.textToBe(By.id("node-name"), "Greet in Go"));
        assertThat(driver.findElement(By.id("node-runtime")).getText()).isEqualTo("wasm");
        assertThat(driver.findElement(By.id("node-items-in")).getText()).isEqualTo("[2]");
        assertThat(outputColumn("message")).containsExactly("Hello, ADA" + GREETING, "Hello, GRACE" + GREETING);
        assertThat(driver.getCurrentUrl()).endsWith("?node=Greet+in+Go");

        // One chosen in the list of nodes.
        driver.findElement(By.cssSelector("#execution-nodes tr[data-node='Greet in JavaScript'] button"))
                .click();
        wait.until(ExpectedConditions.textToBe(By.id("node-name"), "Greet in JavaScript"));
        assertThat(driver.findElement(By.id("node-runtime")).getText()).isEqualTo("js");
        assertThat(outputColumn("message")).containsExactly("Hello, young LINUS" + GREETING);

        // The IF split: two items true, one false, each output with its own table.
        driver.findElement(By.cssSelector("#workflow-graph g[data-node='Adult?']"))
                .click();
        wait.until(ExpectedConditions.textToBe(By.id("node-name"), "Adult?"));
        assertThat(driver.findElement(By.id("node-items-out")).getText()).isEqualTo("[2, 1]");
        assertThat(driver.findElements(By.cssSelector("#node-output-table tbody tr")))
                .hasSize(2);
        assertThat(driver.findElement(By.id("node-output-table-1")).getText()).contains("LINUS");

        // The JSON tab holds the same sample.
        driver.findElement(By.cssSelector("#workflow-graph g[data-node='Greet in Go']"))
                .click();
        wait.until(ExpectedConditions.textToBe(By.id("node-name"), "Greet in Go"));
        driver.findElement(By.id("node-output-tab-json")).click();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-output-json")))
                        .getText())
                .contains("\"message\": \"Hello, GRACE" + GREETING + "\"");
        driver.findElement(By.id("node-output-tab-table")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-output-table")));
        scrollTo(By.className("execution-banner"));
        screenshot("execution-page");

        // A reload comes back to the chosen node.
        driver.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.id("node-name"), "Greet in Go"));
    }

    @Test
    @Order(5)
    void theListsShowTheWorkflowAndItsExecution() throws Exception {
        driver.get(server.url() + "/#/executions");
        WebElement executions = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("executions-table")));
        List<String> cells = executions.findElements(By.cssSelector("tbody tr td")).stream()
                .map(WebElement::getText)
                .toList();
        assertThat(cells.subList(1, 4)).containsExactly("Greetings", "manual", "success");

        driver.get(server.url() + "/#/workflows");
        WebElement table = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflows-table")));
        WebElement row = table.findElement(By.cssSelector("tbody tr"));
        assertThat(row.getText()).contains("Greetings", "Manual");
        WebElement active = row.findElement(By.cssSelector("input.switch"));
        assertThat(active.isSelected()).isFalse();
        active.click();
        wait.until(d -> active.isSelected() && active.isEnabled());
        driver.navigate().refresh();
        wait.until(ExpectedConditions.elementToBeSelected(By.cssSelector("#workflows-table tbody tr input.switch")));

        // New: an empty canvas; a Manual Trigger from the palette, stored, its JSON saved under another name, then
        // deleted.
        driver.findElement(By.id("workflow-new")).click();
        wait.until(ExpectedConditions.urlContains("#/workflows/new"));
        wait.until(ExpectedConditions.elementToBeClickable(
                        By.cssSelector(".palette-item[data-type='n8n-nodes-base.manualTrigger']")))
                .click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#workflow-graph g.graph-node"), 1));
        assertThat(driver.findElement(By.cssSelector("#workflow-graph g.graph-node"))
                        .getAttribute("data-node"))
                .isEqualTo("Manual Trigger");
        driver.findElement(By.id("canvas-save")).click();
        wait.until(ExpectedConditions.urlMatches("#/workflows/\\d+$"));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#workflow-graph g.graph-node"), 1));
        driver.findElement(By.cssSelector("#workflow-editor summary")).click();
        WebElement editor = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-json")));
        String renamed =
                editor.getAttribute("value").replaceFirst("\"name\": \"My workflow\"", "\"name\": \"Scratch\"");
        driver.executeScript("arguments[0].value = arguments[1];", editor, renamed);
        driver.findElement(By.id("workflow-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("workflow-title"), "Scratch"));
        driver.findElement(By.id("workflow-delete")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.id("workflow-delete-confirm")))
                .click();
        wait.until(ExpectedConditions.urlMatches("#/workflows$"));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#workflows-table tbody tr"), 1));
        assertThat(driver.findElement(By.id("workflows-table")).getText())
                .contains("Greetings")
                .doesNotContain("Scratch");
        screenshot("workflows");
        assertNoConsoleErrors();
    }

    @Test
    @Order(6)
    void aFailingNodeIsNamedAndColouredAndNamesStayText() {
        importCodeWorkflow("Fails", BOOM, "throw new Error('no <b>luck</b>');");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("workflow-run")))
                .click();
        slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-execution")));
        assertThat(driver.findElement(By.id("execution-status")).getText()).isEqualTo("error");
        assertThat(driver.findElement(By.id("execution-error-node")).getText()).isEqualTo(BOOM);
        assertThat(driver.findElement(By.id("execution-error")).getText()).contains("no <b>luck</b>");
        WebElement boom = driver.findElement(By.cssSelector("#workflow-graph g[data-node='" + BOOM + "']"));
        assertThat(boom.getAttribute("data-status")).isEqualTo("error");
        // The box shows the name shortened, its tooltip in full: both as text.
        assertThat(boom.findElement(By.className("graph-name")).getText()).isEqualTo("Boom<img src=x oner\u2026");
        assertThat(boom.findElement(By.tagName("title")).getAttribute("textContent"))
                .startsWith(BOOM + "\n");

        driver.findElement(By.id("workflow-run-execution")).click();
        wait.until(ExpectedConditions.textToBe(By.id("node-name"), BOOM));
        assertThat(driver.findElement(By.id("node-error")).getText()).contains("no <b>luck</b>");
        assertThat(driver.findElements(By.cssSelector(".main img, .main b"))).isEmpty();
        assertThat(driver.executeScript("return window.pwned === undefined;")).isEqualTo(true);
        assertNoConsoleErrors();
    }

    @Test
    @Order(7)
    void anExecutionShowsAsRunningWithItsInputWhileItRuns() {
        importCodeWorkflow("Slow", "Work", "const t = Date.now(); while (Date.now() - t < 5000) {} return items;");
        WebElement items = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-items")));
        driver.executeScript("arguments[0].value = arguments[1];", items, "[{\"name\": \"ada\"}]");
        driver.findElement(By.id("workflow-run")).click();

        // While the run takes its five seconds, another tab finds it among the executions.
        String workflowTab = driver.getWindowHandle();
        driver.switchTo().newWindow(org.openqa.selenium.WindowType.TAB);
        try {
            driver.get(server.url() + "/#/executions");
            WebElement newest = wait.until(
                    ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#executions-table tbody tr")));
            assertThat(newest.getText()).contains("Slow", "running");
            newest.findElement(By.cssSelector("a.strong")).click();
            assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("execution-status")))
                            .getText())
                    .isEqualTo("running");
            assertThat(driver.findElement(By.className("execution-banner")).getText())
                    .contains("Running since");
            assertThat(driver.findElement(By.id("execution-input-json")).getText())
                    .contains("\"name\": \"ada\"");
            assertNoConsoleErrors();
        } finally {
            driver.close();
            driver.switchTo().window(workflowTab);
        }
        slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-execution")));
        assertThat(driver.findElement(By.id("execution-status")).getText()).isEqualTo("success");
    }

    /** Imports a Manual Trigger followed by one Code node through the import form; returns on the workflow's page. */
    private void importCodeWorkflow(String name, String codeNode, String jsCode) {
        driver.get(server.url() + "/#/workflows");
        WebElement text = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("import-json")));
        driver.executeScript(
                "arguments[0].value = arguments[1];",
                text,
                "{\"name\": \"" + name + "\", \"nodes\": ["
                        + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"position\": [0, 0], \"parameters\": {}},"
                        + "{\"name\": \"" + codeNode + "\", \"type\": \"n8n-nodes-base.code\", \"position\": [220, 0],"
                        + " \"parameters\": {\"jsCode\": \"" + jsCode + "\"}}],"
                        + " \"connections\": {\"Start\": {\"main\": [[{\"node\": \"" + codeNode
                        + "\", \"index\": 0}]]}}}");
        driver.findElement(By.id("import-submit")).click();
        slow.until(ExpectedConditions.urlMatches("#/workflows/\\d+$"));
    }

    /** The texts of one column of the selected node's first output table. */
    private List<String> outputColumn(String key) {
        WebElement table = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-output-table")));
        List<String> headers = table.findElements(By.cssSelector("thead th")).stream()
                .map(WebElement::getText)
                .toList();
        assertThat(headers).contains(key);
        int at = headers.indexOf(key);
        return table.findElements(By.cssSelector("tbody tr")).stream()
                .map(tr -> tr.findElements(By.tagName("td")).get(at).getText())
                .toList();
    }
}
