package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The editor's checks and clipboard in a real browser: the server's check as you type (a community
 * node or pinned version that is not installed marked with a red ! on its node, the reason in its
 * panel, gone once fixed; a name the save would refuse said under the canvas), several nodes
 * copied, cut and pasted in n8n's clipboard format, and the question before unsaved work is left.
 */
class EditorChecksBrowserTest extends EditorBrowserTestBase {
    static final String HELLO = "nlink-community.wasm_demo";
    /** Start → Greet (the Go node, pinned to a version never installed) → Gone (a node type never installed). */
    static final String WORKFLOW = """
            {"name": "Checked", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "position": [0, 0], "parameters": {}},
              {"name": "Greet", "type": "nlink-community.wasm_demo", "packageVersion": "9.9.9", "position": [240, 0], "parameters": {"text": "hi"}},
              {"name": "Gone", "type": "nlink-community.not_here", "position": [480, 0], "parameters": {}}],
             "connections": {"Start": {"main": [[{"node": "Greet", "type": "main", "index": 0}]]},
               "Greet": {"main": [[{"node": "Gone", "type": "main", "index": 0}]]}}}""";
    /** Two nodes as n8n puts them on the clipboard (Ctrl+C in n8n's editor): ids, typeVersion, meta, pinData. */
    static final String FROM_N8N = """
            {"nodes": [
              {"parameters": {"assignments": {"assignments": [{"id": "5c3a", "name": "copied", "value": "from n8n", "type": "string"}]}, "options": {}},
               "id": "0f6b2c1e-93a1-4c55-9d0e-2a7f1b8c4d11", "name": "Edit Fields", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 400]},
              {"parameters": {}, "id": "7d1e0a55-1b2c-4f3d-8e9a-0b1c2d3e4f50", "name": "Start", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [-40, 400]}],
             "connections": {"Start": {"main": [[{"node": "Edit Fields", "type": "main", "index": 0}]]}},
             "pinData": {"Start": [{"json": {"x": 1}}]},
             "meta": {"instanceId": "3f0b"}}""";

    String workflowUrl;

    @Test
    @Order(1)
    void aCommunityNodeOrVersionNotInstalledIsMarkedOnTheCanvas() throws Exception {
        setUpOwner();
        Path zip = temp.resolve("hello-go.zip");
        pack(EXAMPLES.resolve("hello-go"), zip);
        upload(zip);
        slow.until(ExpectedConditions.urlContains("#/nodes/" + HELLO + "/1.0.0"));

        workflowUrl = importWorkflow(WORKFLOW, null);
        wait.until(d -> nodes().size() == 3);
        // The check runs as soon as the page opens: a red ! on each node a run would fail at.
        wait.until(d -> "1".equals(node("Greet").getAttribute("data-problems"))
                && "1".equals(node("Gone").getAttribute("data-problems")));
        assertThat(node("Greet").getAttribute("class")).contains("graph-node-invalid");
        assertThat(node("Greet").findElements(By.cssSelector(".graph-problem"))).hasSize(1);
        assertThat(node("Start").getAttribute("data-problems")).isEqualTo("0");
        assertThat(node("Start").findElements(By.cssSelector(".graph-problem"))).isEmpty();
        String banner = driver.findElement(By.id("workflow-problems")).getText();
        assertThat(banner).contains("Saved as it is, a run would fail", "2 problems on the nodes marked red");

        // The node's panel says why, in the words a run would use, and offers the installed version.
        openNode("Greet");
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-problems")))
                        .getText())
                .isEqualTo("A run fails here: community node " + HELLO
                        + "@9.9.9 is not installed; installed versions: 1.0.0");
        Select version = new Select(driver.findElement(By.id("node-setting-version")));
        assertThat(version.getFirstSelectedOption().getText()).isEqualTo("9.9.9 (not installed)");
        scrollTo(By.id("workflow-editor-panel"));
        screenshot("workflow-problems");
        version.selectByValue("1.0.0");
        wait.until(d -> "0".equals(node("Greet").getAttribute("data-problems")));
        assertThat(node("Greet").getAttribute("class")).doesNotContain("graph-node-invalid");
        assertThat(driver.findElements(By.id("node-problems"))).isEmpty();

        // A node type not installed at all: flagged until the node is disabled.
        openNode("Gone");
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-problems")))
                        .getText())
                .contains("nlink-community.not_here is not installed");
        driver.findElement(By.id("node-setting-disabled")).click();
        wait.until(d -> "0".equals(node("Gone").getAttribute("data-problems")));
        wait.until(d -> driver.findElement(By.id("workflow-problems")).getText().isEmpty());

        // What the save would refuse is said under the canvas before Save is pressed: here the name.
        driver.findElement(By.id("workflow-name")).sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(
                                By.cssSelector("#workflow-problems .banner-error")))
                        .getText())
                .contains("The server would refuse to save this workflow", "name");
        driver.findElement(By.id("workflow-name")).sendKeys("Checked");
        wait.until(d -> driver.findElement(By.id("workflow-problems")).getText().isEmpty());
        save();
        assertNoConsoleErrors();
    }

    @Test
    @Order(2)
    void nodesAreCopiedCutAndPastedInN8nsClipboardFormat() throws Exception {
        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 3);
        // Start and Greet selected (a click, then Shift-click), copied and pasted with the keyboard.
        node("Start").click();
        new Actions(driver)
                .keyDown(Keys.SHIFT)
                .click(node("Greet"))
                .keyUp(Keys.SHIFT)
                .perform();
        wait.until(d -> node("Greet").getAttribute("class").contains("selected")
                && node("Start").getAttribute("class").contains("selected"));
        chord(Keys.CONTROL, "c");
        chord(Keys.CONTROL, "v");
        // New names as n8n gives them, wired as the originals were among themselves (not to Gone), moved off them.
        wait.until(d -> nodes().size() == 5);
        assertThat(nodes()).containsExactly("Start", "Greet", "Gone", "Start1", "Greet1");
        assertThat(edges()).containsExactlyInAnyOrder("Start>Greet", "Greet>Gone", "Start1>Greet1");
        assertThat(node("Greet1").getAttribute("transform"))
                .isNotEqualTo(node("Greet").getAttribute("transform"));
        assertThat(node("Start1").getAttribute("class")).contains("selected");
        assertThat(node("Start").getAttribute("class")).doesNotContain("selected");
        JsonNode doc = Json.parse(driver.findElement(By.id("workflow-json")).getAttribute("value"));
        JsonNode greet1 = doc.path("nodes").path(4);
        assertThat(greet1.path("parameters").path("text").asText()).isEqualTo("hi");
        assertThat(greet1.path("packageVersion").asText()).isEqualTo("1.0.0");
        assertThat(greet1.path("id").asText())
                .isNotEqualTo(doc.path("nodes").path(1).path("id").asText());

        // What a copy puts on the clipboard is n8n's format: {nodes, connections} with only the wires among them.
        String copied = (String) driver.executeScript("const data = new DataTransfer();"
                + " document.dispatchEvent(new ClipboardEvent('copy', {clipboardData: data, bubbles: true, cancelable: true}));"
                + " return data.getData('text/plain');");
        JsonNode fragment = Json.parse(copied);
        assertThat(fragment.path("nodes")).hasSize(2);
        assertThat(fragment.path("nodes").path(0).path("name").asText()).isEqualTo("Start1");
        assertThat(fragment.path("connections")
                        .path("Start1")
                        .path("main")
                        .path(0)
                        .path(0)
                        .toString())
                .isEqualTo("{\"node\":\"Greet1\",\"type\":\"main\",\"index\":0}");
        assertThat(fragment.path("connections").has("Greet1")).isFalse();

        // Cut takes the node away; the paste puts it back under its own name, as it is free again.
        node("Gone").click();
        wait.until(d -> node("Gone").getAttribute("class").contains("selected"));
        chord(Keys.CONTROL, "x");
        wait.until(d -> !nodes().contains("Gone"));
        assertThat(edges()).doesNotContain("Greet>Gone");
        chord(Keys.CONTROL, "v");
        wait.until(d -> nodes().contains("Gone"));
        // Undo takes the paste back, then the cut: Gone is where it was, wired as it was.
        chord(Keys.CONTROL, "z");
        wait.until(d -> !nodes().contains("Gone"));
        chord(Keys.CONTROL, "z");
        wait.until(d -> nodes().contains("Gone") && edges().contains("Greet>Gone"));

        // Nodes copied in n8n: pasted with free names, their wire and pinned data following the new name.
        driver.executeScript(
                "const data = new DataTransfer(); data.setData('text/plain', arguments[0]);"
                        + " document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));",
                FROM_N8N);
        wait.until(d -> nodes().contains("Edit Fields"));
        assertThat(nodes()).contains("Start2");
        assertThat(edges()).contains("Start2>Edit Fields");
        assertThat(node("Start2").getAttribute("class")).contains("graph-node-pinned");
        doc = Json.parse(driver.findElement(By.id("workflow-json")).getAttribute("value"));
        assertThat(doc.path("pinData").path("Start2").toString()).isEqualTo("[{\"json\":{\"x\":1}}]");
        assertThat(doc.path("pinData").has("Start")).isFalse();

        // A paste in a field stays the field's.
        driver.findElement(By.id("palette-search")).click();
        driver.executeScript(
                "const data = new DataTransfer(); data.setData('text/plain', arguments[0]);"
                        + " document.getElementById('palette-search').dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));",
                FROM_N8N);
        assertThat(nodes()).hasSize(7);
        save();
        assertNoConsoleErrors();
    }

    @Test
    @Order(3)
    void leavingUnsavedChangesAsksFirst() {
        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 7);
        // Saved: leaving asks nothing.
        driver.findElement(By.cssSelector(".nav a[href='#/executions']")).click();
        wait.until(ExpectedConditions.urlContains("#/executions"));
        assertNoDialog();

        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 7);
        add("no op", "n8n-nodes-base.noOp");
        wait.until(d -> nodes().size() == 8);
        assertThat(driver.findElement(By.id("canvas-save-status")).getText()).isEqualTo("Unsaved changes");

        // A link: asked; "stay" keeps the page, its address and the change.
        driver.findElement(By.cssSelector(".nav a[href='#/executions']")).click();
        Alert question = wait.until(ExpectedConditions.alertIsPresent());
        assertThat(question.getText()).isEqualTo("This workflow has unsaved changes. Leave and lose them?");
        question.dismiss();
        wait.until(ExpectedConditions.urlToBe(workflowUrl));
        assertThat(nodes()).hasSize(8);
        assertThat(driver.findElement(By.id("workflow-name")).isDisplayed()).isTrue();

        // Back (as the button does it: chromedriver's own Back waits for a navigation the question holds up):
        // asked as well; staying keeps the page, and Back asked again leads where it led before.
        driver.executeScript("history.back();");
        wait.until(ExpectedConditions.alertIsPresent()).dismiss();
        wait.until(ExpectedConditions.urlToBe(workflowUrl));
        assertThat(nodes()).hasSize(8);
        driver.executeScript("history.back();");
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.urlContains("#/executions"));
        driver.executeScript("history.forward();");
        wait.until(ExpectedConditions.urlToBe(workflowUrl));
        wait.until(d -> nodes().size() == 7);
        assertNoDialog();
        add("no op", "n8n-nodes-base.noOp");
        wait.until(d -> nodes().size() == 8);

        // "Leave": the other page opens and the change is gone.
        driver.findElement(By.cssSelector(".nav a[href='#/executions']")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.urlContains("#/executions"));
        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 7);
        assertNoDialog();
        assertNoConsoleErrors();
    }

    private void assertNoDialog() {
        try {
            driver.switchTo().alert();
            throw new AssertionError(
                    "a dialog asked: " + driver.switchTo().alert().getText());
        } catch (NoAlertPresentException expected) {
            // nothing asked
        }
    }
}
