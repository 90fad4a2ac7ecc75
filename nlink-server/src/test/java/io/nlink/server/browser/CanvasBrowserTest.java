package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The workflow editor in a real browser: a workflow built on an empty canvas from the palette
 * (Manual Trigger → Edit Fields → If), wired by dragging from port to port, its parameters set
 * through the form (an expression with its live preview from the server), edited with undo, redo
 * and Delete, saved with Ctrl+S, reloaded, run, exported and imported again unchanged.
 */
class CanvasBrowserTest extends EditorBrowserTestBase {
    static final String PEOPLE = "[{\"name\": \"ada\", \"age\": 36}, {\"name\": \"linus\", \"age\": 7}]";
    static final String GREETING = "param-assignments.assignments.0.value";
    static final String AGE = "param-conditions.conditions.0.leftValue";

    String workflowUrl;

    @Test
    @Order(1)
    void buildAWorkflowOnAnEmptyCanvas() throws Exception {
        setUpOwner();
        newWorkflow();
        assertThat(nodes()).isEmpty();

        // The palette: searchable, built-ins with their descriptions.
        WebElement search = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("palette-search")));
        search.sendKeys("trigger");
        assertThat(driver.findElements(By.cssSelector("#palette-list .palette-item")).stream()
                        .map(e -> e.getAttribute("data-type"))
                        .toList())
                .contains("n8n-nodes-base.manualTrigger", "n8n-nodes-base.webhook", "n8n-nodes-base.scheduleTrigger")
                .doesNotContain("n8n-nodes-base.set");
        add("manual", "n8n-nodes-base.manualTrigger");
        add("edit fields", "n8n-nodes-base.set");
        add("if", "n8n-nodes-base.if");
        wait.until(d -> nodes().size() == 3);
        assertThat(nodes()).containsExactly("Manual Trigger", "Edit Fields", "If");
        assertThat(driver.findElement(By.id("canvas-empty")).isDisplayed()).isFalse();
        // If has two outputs, labelled as its definition names them.
        assertThat(node("If").findElements(By.cssSelector(".port-out"))).hasSize(2);
        assertThat(node("If").findElements(By.cssSelector(".port-label")).stream()
                        .map(WebElement::getText)
                        .toList())
                .containsExactly("true", "false");

        // Wired by dragging from an output to an input.
        wire("Manual Trigger", 0, "Edit Fields");
        wire("Edit Fields", 0, "If");
        wait.until(d -> edges().size() == 2);
        assertThat(edges()).containsExactly("Manual Trigger>Edit Fields", "Edit Fields>If");

        // A connection selected and deleted, then undone and redone by keyboard.
        driver.findElement(By.cssSelector("path.edge-hit[data-from='Edit Fields']"))
                .click();
        wait.until(ExpectedConditions.attributeContains(
                By.cssSelector("path.graph-edge[data-from='Edit Fields']"), "class", "selected"));
        new Actions(driver).sendKeys(Keys.DELETE).perform();
        wait.until(d -> edges().size() == 1);
        chord(Keys.CONTROL, "z");
        wait.until(d -> edges().size() == 2);
        chord(Keys.CONTROL, Keys.SHIFT, "z");
        wait.until(d -> edges().size() == 1);
        driver.findElement(By.id("canvas-undo")).click();
        wait.until(d -> edges().size() == 2);

        // A node deleted with its wires, and back.
        node("If").click();
        new Actions(driver).sendKeys(Keys.DELETE).perform();
        wait.until(d -> nodes().size() == 2 && edges().size() == 1);
        chord(Keys.CONTROL, "z");
        wait.until(d -> nodes().size() == 3 && edges().size() == 2);

        // Moved by dragging: the position is saved in the JSON, on the grid.
        String before = node("If").getAttribute("transform");
        new Actions(driver)
                .clickAndHold(node("If").findElement(By.className("graph-box")))
                .moveByOffset(30, 70)
                .release()
                .perform();
        wait.until(d -> !node("If").getAttribute("transform").equals(before));
        assertThat(node("If").getAttribute("transform")).matches("translate\\(\\d+0 \\d+0\\)");

        // Zoom and pan change the view, not the workflow.
        String view = viewport();
        driver.findElement(By.id("canvas-zoom-in")).click();
        wait.until(d -> !viewport().equals(view));
        assertThat(viewport()).contains("scale(");
        driver.findElement(By.id("canvas-fit")).click();

        // The name is required: the page says so before sending.
        WebElement name = driver.findElement(By.id("workflow-name"));
        name.clear();
        driver.findElement(By.id("canvas-save")).click();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(
                                By.cssSelector("#canvas-save-result .banner-error")))
                        .getText())
                .contains("name");
        name.sendKeys("People");

        // Ctrl+S stores the draft and opens it as a workflow, saying it saved.
        driver.findElement(By.id("palette-search")).click(); // a field has the focus: Ctrl+S still saves
        chord(Keys.CONTROL, "s");
        wait.until(ExpectedConditions.urlMatches("#/workflows/\\d+$"));
        wait.until(ExpectedConditions.textMatches(
                By.id("canvas-save-status"), java.util.regex.Pattern.compile("^Saved ")));
        assertThat(driver.findElement(By.id("workflow-title")).getText()).isEqualTo("People");
        workflowUrl = driver.getCurrentUrl();
        wait.until(d -> nodes().size() == 3 && edges().size() == 2);
        assertNoConsoleErrors();
    }

    @Test
    @Order(2)
    void setParametersThroughTheFormWithAnExpressionAndItsPreview() throws Exception {
        WebElement items = driver.findElement(By.id("workflow-items"));
        driver.executeScript("arguments[0].value = arguments[1];", items, PEOPLE);

        node("Edit Fields").click();
        wait.until(ExpectedConditions.attributeToBe(By.id("node-panel-name"), "value", "Edit Fields"));
        // displayOptions: "Input Fields to Include" shows only once other fields are included.
        assertThat(driver.findElements(By.id("param-include"))).isEmpty();
        driver.findElement(By.id("param-includeOtherFields")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-include")));

        driver.findElement(By.id("param-assignments-add")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-assignments.assignments.0.name")))
                .sendKeys("greeting");
        driver.findElement(By.id(GREETING)).sendKeys("=Hello {{ $json.name.toUpperCase() }}!");
        // The {{ }} part is highlighted and previewed by the server for the first item.
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(
                                By.cssSelector("#" + css(GREETING) + "-view .expr-code")))
                        .getText())
                .isEqualTo("{{ $json.name.toUpperCase() }}");
        wait.until(ExpectedConditions.textMatches(
                By.id(GREETING + "-preview"), java.util.regex.Pattern.compile("^Hello ADA!")));
        assertThat(driver.findElement(By.id(GREETING + "-preview")).getText()).contains("Run panel");
        // A failing expression shows its error, as a run would report it.
        driver.findElement(By.id(GREETING)).sendKeys(Keys.END, "{{ $json.nope.deeper }}");
        wait.until(ExpectedConditions.textMatches(
                By.id(GREETING + "-preview"), java.util.regex.Pattern.compile("^Error: ")));
        for (int i = 0; i < "{{ $json.nope.deeper }}".length(); i++)
            driver.findElement(By.id(GREETING)).sendKeys(Keys.BACK_SPACE);
        wait.until(ExpectedConditions.textMatches(
                By.id(GREETING + "-preview"), java.util.regex.Pattern.compile("^Hello ADA!")));
        screenshot("workflow-editor");

        // If: age > 18, an expression and a number through the condition editor.
        node("If").click();
        wait.until(ExpectedConditions.attributeToBe(By.id("node-panel-name"), "value", "If"));
        driver.findElement(By.id("param-conditions-add")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(AGE))).sendKeys("=");
        // The variables an expression can name are listed, the nodes upstream by name; a click inserts one.
        List<String> variables = driver.findElements(By.cssSelector("#" + css(AGE) + "-vars .expr-var")).stream()
                .map(WebElement::getText)
                .toList();
        assertThat(variables)
                .contains("$json", "$index", "$('Edit Fields').item.json", "$('Manual Trigger').item.json");
        driver.findElement(By.cssSelector("#" + css(AGE) + "-vars .expr-var[data-var='$json']"))
                .click();
        assertThat(driver.findElement(By.id(AGE)).getAttribute("value")).isEqualTo("={{ $json }}");
        WebElement age = driver.findElement(By.id(AGE));
        age.sendKeys(Keys.chord(Keys.CONTROL, "a"), "={{ $json.age }}");
        wait.until(ExpectedConditions.textMatches(By.id(AGE + "-preview"), java.util.regex.Pattern.compile("^36")));
        assertThat(driver.findElement(By.id("workflow-run-start")).getText())
                .startsWith("Run starts at the Manual Trigger");
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("param-conditions.conditions.0.operator")))
                .selectByVisibleText("number: is greater than");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("param-conditions.conditions.0.rightValue")))
                .sendKeys("18");

        // The JSON view follows the form.
        String json = driver.findElement(By.id("workflow-json")).getAttribute("value");
        assertThat(json)
                .contains(
                        "\"name\": \"greeting\"",
                        "\"value\": \"=Hello {{ $json.name.toUpperCase() }}!\"",
                        "\"operation\": \"gt\"",
                        "\"includeOtherFields\": true");
        assertThat(driver.findElement(By.id("canvas-save-status")).getText()).isEqualTo("Unsaved changes");

        driver.findElement(By.id("canvas-save")).click();
        wait.until(ExpectedConditions.textMatches(
                By.id("canvas-save-status"), java.util.regex.Pattern.compile("^Saved ")));
        assertNoConsoleErrors();
    }

    @Test
    @Order(3)
    void reloadFindsItAndARunShowsTheResult() throws Exception {
        driver.navigate().refresh();
        wait.until(d -> nodes().size() == 3);
        assertThat(edges()).containsExactly("Manual Trigger>Edit Fields", "Edit Fields>If");
        node("Edit Fields").click();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(GREETING)))
                        .getAttribute("value"))
                .isEqualTo("=Hello {{ $json.name.toUpperCase() }}!");

        setItems(PEOPLE);
        // Live status: each drawing of the canvas during the run is recorded, with whether the page
        // was still following the run (its progress line shown) or had its final record.
        driver.executeScript(
                "window.drawn = []; const graph = document.getElementById('workflow-graph');"
                        + " new MutationObserver(() => window.drawn.push({following: !!document.getElementById('workflow-run-progress'),"
                        + " states: Object.fromEntries([...graph.querySelectorAll('g.graph-node')].map(g => [g.dataset.node, g.dataset.status]))}))"
                        + ".observe(graph, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-status']});");
        driver.findElement(By.id("workflow-run")).click();
        slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-execution")));
        assertThat(driver.findElement(By.id("execution-status")).getText())
                .as(driver.findElement(By.id("workflow-run-result")).getText())
                .isEqualTo("success");
        @SuppressWarnings("unchecked")
        List<java.util.Map<String, Object>> drawn =
                (List<java.util.Map<String, Object>>) driver.executeScript("return window.drawn;");
        @SuppressWarnings("unchecked")
        List<java.util.Map<String, Object>> whileFollowing = drawn.stream()
                .filter(d -> Boolean.TRUE.equals(d.get("following")))
                .map(d -> (java.util.Map<String, Object>) d.get("states"))
                .toList();
        // Node by node as the server reported them, before the execution's record came: the trigger
        // done while If had no status yet, then all three done.
        assertThat(whileFollowing)
                .as(String.valueOf(drawn))
                .anySatisfy(states -> assertThat(states)
                        .containsEntry("Manual Trigger", "success")
                        .containsEntry("If", ""))
                .anySatisfy(states -> assertThat(states)
                        .containsEntry("Manual Trigger", "success")
                        .containsEntry("Edit Fields", "success")
                        .containsEntry("If", "success"));
        wait.until(d -> "success".equals(node("If").getAttribute("data-status")));
        assertThat(node("Edit Fields").getAttribute("class")).contains("status-success");
        String output = driver.findElement(By.id("workflow-run-output")).getText();
        assertThat(output)
                .contains("\"greeting\": \"Hello ADA!\"", "\"age\": 36")
                .doesNotContain("LINUS");

        // Previews now use the run's items: If's first input item is Edit Fields' first output item.
        node("If").click();
        wait.until(ExpectedConditions.textMatches(
                By.id(AGE + "-preview"), java.util.regex.Pattern.compile("^36 — first input item of execution #\\d+")));
        scrollTo(By.id("workflow-editor-panel"));
        screenshot("workflow-canvas");
        assertNoConsoleErrors();
    }

    @Test
    @Order(4)
    void pinANodesOutputAndRunOneNodeAlone() throws Exception {
        // Edit Fields' output from the run, pinned: kept in the workflow's pinData as n8n keeps it.
        scrollTo(By.id("workflow-graph"));
        openNode("Edit Fields");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("node-pin"))).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-output-pinned")));
        assertThat(node("Edit Fields").getAttribute("class")).contains("graph-node-pinned");
        JsonNode pinned = Json.parse(driver.findElement(By.id("workflow-json")).getAttribute("value"))
                .path("pinData")
                .path("Edit Fields");
        assertThat(pinned).hasSize(2);
        assertThat(pinned.path(0).path("json").path("greeting").asText()).isEqualTo("Hello ADA!");
        assertThat(pinned.path(1).path("json").path("name").asText()).isEqualTo("linus");

        // If alone, its input Edit Fields' pinned items, its threshold as the form has it now (unsaved):
        // above 5, both go out on true (the saved 18 sent linus to false).
        scrollTo(By.id("workflow-graph"));
        openNode("If");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#node-input h3"), "Edit Fields (pinned)"));
        WebElement threshold = driver.findElement(By.id("param-conditions.conditions.0.rightValue"));
        threshold.sendKeys(Keys.chord(Keys.CONTROL, "a"), "5");
        driver.findElement(By.id("node-run")).click();
        slow.until(ExpectedConditions.textToBePresentInElementLocated(By.id("node-output-source"), "run alone"));
        assertThat(driver.findElement(By.id("node-data-output-table")).getText())
                .as("true: both are above 5")
                .contains("ada", "linus");
        assertThat(status("If")).isEqualTo("success");
        save();
        assertNoConsoleErrors();
    }

    @Test
    @Order(5)
    void theExportIsAcceptedByTheImportUnchanged() throws Exception {
        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 3);
        String json = exportWorkflow("People.json");
        // n8n's format: nodes with type, typeVersion and position, connections by name, pinData.
        JsonNode exported = Json.parse(json);
        assertThat(exported.path("name").asText()).isEqualTo("People");
        for (JsonNode n : exported.path("nodes")) {
            assertThat(n.path("type").asText()).startsWith("n8n-nodes-base.");
            assertThat(n.path("typeVersion").isNumber()).as(n.toString()).isTrue();
            assertThat(n.path("position")).hasSize(2);
            assertThat(n.path("parameters").isObject()).isTrue();
        }
        assertThat(exported.path("connections")
                        .path("Edit Fields")
                        .path("main")
                        .path(0)
                        .path(0)
                        .path("node")
                        .asText())
                .isEqualTo("If");
        assertThat(exported.path("pinData").path("Edit Fields")).hasSize(2);
        assertThat(json).contains("\"typeVersion\": 3.4");
        assertThat(exported.path("nodes")
                        .path(2)
                        .path("parameters")
                        .path("conditions")
                        .path("conditions")
                        .path(0)
                        .path("rightValue")
                        .asText())
                .isEqualTo("5");

        importWorkflow(json, workflowUrl);
        wait.until(d -> nodes().size() == 3);
        assertThat(node("Edit Fields").getAttribute("class")).contains("graph-node-pinned");
        assertThat(edges()).containsExactly("Manual Trigger>Edit Fields", "Edit Fields>If");
        // Unchanged: what the editor shows as JSON is the exported file, item for item.
        assertThat(Json.parse(driver.findElement(By.id("workflow-json")).getAttribute("value")))
                .isEqualTo(Json.parse(json));
    }

    @Test
    @Order(6)
    void aWebhookNodeShowsItsUrlWithACopyButton() {
        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 3);
        add("webhook", "n8n-nodes-base.webhook");
        wait.until(ExpectedConditions.attributeToBe(By.id("node-panel-name"), "value", "Webhook"));
        WebElement path = driver.findElement(By.id("param-path"));
        path.sendKeys("people/new");
        WebElement url = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#workflow-webhooks li.webhook-url .webhook-address")));
        assertThat(url.getText()).isEqualTo(server.url() + "/webhook/people/new");
        assertThat(driver.findElement(By.cssSelector("#workflow-webhooks li.webhook-url button"))
                        .getText())
                .isEqualTo("Copy URL");
        // Renamed in the panel: the canvas, the panel and the URL list follow.
        WebElement nodeName = driver.findElement(By.id("node-panel-name"));
        nodeName.clear();
        nodeName.sendKeys("Hook", Keys.TAB);
        wait.until(d -> nodes().contains("Hook") && !nodes().contains("Webhook"));
        wait.until(ExpectedConditions.attributeToBe(By.id("node-panel-name"), "value", "Hook"));
        assertThat(driver.findElement(By.cssSelector("#workflow-webhooks li.webhook-url"))
                        .getText())
                .contains("Hook");
        // A required parameter left empty is marked in the form and on the canvas.
        path = driver.findElement(By.id("param-path"));
        path.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        wait.until(d -> node("Hook").getAttribute("class").contains("graph-node-issues"));
        assertThat(driver.findElement(By.cssSelector("[data-param='path']")).getText())
                .contains("Required");
        assertNoConsoleErrors();
    }
}
