package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * Debugging a workflow in the editor, in a real browser: a run followed live on the canvas (each
 * node running, then its status and item count, pushed by the server), stopped from the canvas,
 * a node's input and output side by side, its output pinned and passed on by the next run, one
 * node run alone; the executions list filtered, paged, updated live, and a failed execution
 * retried; and the pages at phone width.
 */
class LiveCanvasBrowserTest extends EditorBrowserTestBase {
    /** Start → Work (a Code node that takes three seconds) → Tag (Set: tag = "<name>!"). */
    static final String WORKFLOW = "{\"name\": \"Live\", \"nodes\": ["
            + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"position\": [0, 0], \"parameters\": {}},"
            + "{\"name\": \"Work\", \"type\": \"n8n-nodes-base.code\", \"position\": [240, 0], \"parameters\": {\"jsCode\":"
            + " \"const t = Date.now(); while (Date.now() - t < 3000) {} return items.map(i => ({json: {...i.json, worked: true}}));\"}},"
            + "{\"name\": \"Tag\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"position\": [480, 0], \"parameters\": {"
            + "\"assignments\": {\"assignments\": [{\"name\": \"tag\", \"value\": \"={{ $json.name }}!\", \"type\": \"string\"}]}, \"includeOtherFields\": true}}],"
            + " \"connections\": {\"Start\": {\"main\": [[{\"node\": \"Work\", \"index\": 0}]]}, \"Work\": {\"main\": [[{\"node\": \"Tag\", \"index\": 0}]]}}}";

    static final String PEOPLE = "[{\"name\": \"ada\"}, {\"name\": \"bo\"}]";

    String workflowUrl;
    String canceledExecution;

    @Test
    @Order(1)
    void aRunShowsEachNodeLiveOnTheCanvasWithItsItemCount() throws Exception {
        setUpOwner();
        driver.get(server.url() + "/#/workflows");
        WebElement text = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("import-json")));
        driver.executeScript("arguments[0].value = arguments[1];", text, WORKFLOW);
        driver.findElement(By.id("import-submit")).click();
        slow.until(ExpectedConditions.urlMatches("#/workflows/\\d+$"));
        workflowUrl = driver.getCurrentUrl();
        wait.until(d -> nodes().size() == 3);

        setItems(PEOPLE);
        driver.findElement(By.id("workflow-run")).click();
        // While Work takes its three seconds, the canvas shows it running and Start done with its count.
        slow.until(d -> "running".equals(status("Work")));
        assertThat(status("Start")).isEqualTo("success");
        assertThat(count("Start")).isEqualTo("2 items");
        assertThat(status("Tag")).isEmpty();
        assertThat(driver.findElement(By.id("workflow-stop")).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.id("workflow-run-progress")).getText()).contains("running Work");
        scrollTo(By.id("workflow-editor-panel"));
        screenshot("workflow-live-run");

        slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-execution")));
        assertThat(driver.findElement(By.id("execution-status")).getText()).isEqualTo("success");
        assertThat(status("Tag")).isEqualTo("success");
        assertThat(count("Tag")).isEqualTo("2 items");
        assertThat(driver.findElement(By.id("workflow-stop")).isDisplayed()).isFalse();
        assertThat(driver.findElement(By.id("workflow-run-output")).getText())
                .contains("\"tag\": \"ada!\"", "\"worked\": true");
        assertNoConsoleErrors();
    }

    @Test
    @Order(2)
    void theStopButtonStopsARunningExecution() {
        setItems(PEOPLE);
        driver.findElement(By.id("workflow-run")).click();
        slow.until(d -> "running".equals(status("Work")));
        driver.findElement(By.id("workflow-stop")).click();
        slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-execution")));
        assertThat(driver.findElement(By.id("execution-status")).getText()).isEqualTo("canceled");
        assertThat(driver.findElement(By.id("execution-error")).getText()).contains("stopped by owner");
        // Work's sandbox call is cut short and Work recorded canceled; Tag never runs.
        assertThat(status("Tag")).isEmpty();
        canceledExecution = driver.findElement(By.id("workflow-run-execution")).getAttribute("href");
        assertNoConsoleErrors();
    }

    @Test
    @Order(3)
    void aNodeShowsItsInputAndOutputSideBySideAndItsOutputIsPinned() throws Exception {
        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 3);
        // The newest execution (the canceled one) ran Start and Work: Work's input is Start's output.
        node("Work").click();
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-input-table")));
        assertThat(input.getText()).contains("ada", "bo");
        assertThat(driver.findElement(By.cssSelector("#node-input h3")).getText())
                .contains("2 items", "from Start, execution #");
        // Side by side: the output column starts right of the input column (they may touch), on the same row.
        WebElement inputColumn = driver.findElement(By.id("node-input"));
        WebElement outputColumn = driver.findElement(By.id("node-output"));
        assertThat(outputColumn.getRect().getX())
                .isGreaterThan(
                        inputColumn.getRect().getX() + inputColumn.getRect().getWidth() / 2);
        assertThat(Math.abs(
                        outputColumn.getRect().getY() - inputColumn.getRect().getY()))
                .isLessThan(5);
        driver.findElement(By.id("node-input-tab-json")).click();
        assertThat(driver.findElement(By.id("node-input-json")).getText()).contains("\"name\": \"ada\"");
        // Work was canceled in that run (the stop cut its script short), with no output: run it alone to get one.
        driver.findElement(By.id("node-run")).click();
        slow.until(ExpectedConditions.textToBePresentInElementLocated(By.id("node-output-source"), "run alone"));
        assertThat(driver.findElement(By.id("node-data-output-table")).getText())
                .contains("ada", "true");
        assertThat(status("Work")).isEqualTo("success");
        scrollTo(By.id("node-data"));
        screenshot("workflow-node-data");

        // Pinned: kept in the workflow's pinData (n8n's format), shown on the canvas, saved.
        driver.findElement(By.id("node-pin")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("node-output-pinned")));
        assertThat(node("Work").getAttribute("class")).contains("graph-node-pinned");
        assertThat(Json.parse(driver.findElement(By.id("workflow-json")).getAttribute("value"))
                        .path("pinData")
                        .path("Work")
                        .toString())
                .isEqualTo(
                        "[{\"json\":{\"name\":\"ada\",\"worked\":true}},{\"json\":{\"name\":\"bo\",\"worked\":true}}]");
        driver.findElement(By.id("canvas-save")).click();
        wait.until(ExpectedConditions.textMatches(
                By.id("canvas-save-status"), java.util.regex.Pattern.compile("^Saved ")));

        // A manual run passes the pinned items on without running Work: no three seconds, status pinned.
        setItems("[{\"name\": \"cy\"}]");
        driver.findElement(By.id("workflow-run")).click();
        slow.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-execution")));
        assertThat(driver.findElement(By.id("execution-status")).getText()).isEqualTo("success");
        assertThat(status("Work")).isEqualTo("pinned");
        assertThat(driver.findElement(By.id("workflow-run-output")).getText())
                .contains("\"tag\": \"ada!\"", "\"tag\": \"bo!\"")
                .doesNotContain("cy");

        // Tag alone: its input is Work's pinned output; its parameters as the canvas has them now (unsaved).
        scrollTo(By.id("workflow-graph")); // the run scrolled the page to its output
        node("Tag").click();
        wait.until(ExpectedConditions.attributeToBe(By.id("node-panel-name"), "value", "Tag"));
        WebElement value = driver.findElement(By.id("param-assignments.assignments.0.value"));
        value.sendKeys(org.openqa.selenium.Keys.END, "?");
        wait.until(
                ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#node-input h3"), "Work (pinned)"));
        driver.findElement(By.id("node-run")).click();
        slow.until(ExpectedConditions.textToBePresentInElementLocated(By.id("node-data-output-table"), "ada!?"));
        driver.findElement(By.id("canvas-save")).click();
        wait.until(ExpectedConditions.textMatches(
                By.id("canvas-save-status"), java.util.regex.Pattern.compile("^Saved ")));
        assertNoConsoleErrors();
    }

    @Test
    @Order(4)
    void theExportKeepsPinDataAndTheImportTakesItUnchanged() throws Exception {
        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 3);
        driver.findElement(By.id("workflow-export")).click();
        Path exported = downloads.resolve("Live.json");
        wait.until(d -> Files.isRegularFile(exported) && !Files.exists(downloads.resolve("Live.json.crdownload")));
        String json = Files.readString(exported);
        assertThat(Json.parse(json).path("pinData").path("Work")).hasSize(2);

        driver.get(server.url() + "/#/workflows");
        WebElement text = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("import-json")));
        driver.executeScript("arguments[0].value = arguments[1];", text, json);
        driver.findElement(By.id("import-submit")).click();
        slow.until(d -> d.getCurrentUrl().matches(".*#/workflows/\\d+$")
                && !d.getCurrentUrl().equals(workflowUrl));
        wait.until(d -> nodes().size() == 3);
        assertThat(node("Work").getAttribute("class")).contains("graph-node-pinned");
        assertThat(Json.parse(driver.findElement(By.id("workflow-json")).getAttribute("value")))
                .isEqualTo(Json.parse(json));
    }

    @Test
    @Order(5)
    void theExecutionsListFiltersPagesUpdatesLiveAndRetries() throws Exception {
        // Live: the list, open in its own tab, shows a run appear and end without a reload.
        driver.get(server.url() + "/#/executions");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#executions-table tbody tr")));
        int before = rows().size();
        String listTab = driver.getWindowHandle();
        driver.switchTo().newWindow(WindowType.TAB);
        driver.get(workflowUrl);
        wait.until(d -> nodes().size() == 3);
        node("Work").click();
        wait.until(ExpectedConditions.elementToBeClickable(By.id("node-unpin")))
                .click(); // Work runs again: three seconds to watch
        setItems(PEOPLE);
        driver.findElement(By.id("workflow-run")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-run-live")));
        String runTab = driver.getWindowHandle();
        driver.switchTo().window(listTab);
        // Work takes three seconds and the list asks every two: it sees the run under way, then ended.
        slow.until(d -> rows().size() == before + 1 && rows().get(0).getText().matches("(?s).*(queued|running).*"));
        slow.until(d -> rows().get(0).getText().contains("success"));
        driver.switchTo().window(runTab);
        driver.close();
        driver.switchTo().window(listTab);

        // Filters: by status, mode and workflow; the address keeps them.
        new Select(driver.findElement(By.id("filter-status"))).selectByValue("canceled");
        wait.until(d -> rows().size() == 1);
        assertThat(rows().get(0).getText()).contains("canceled");
        assertThat(driver.getCurrentUrl()).contains("status=canceled");
        new Select(driver.findElement(By.id("filter-status"))).selectByValue("");
        new Select(driver.findElement(By.id("filter-mode"))).selectByValue("webhook");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#executions-panel-empty, .empty")));
        new Select(driver.findElement(By.id("filter-mode"))).selectByValue("");
        wait.until(d -> rows().size() == before + 1);
        String today = (String)
                driver.executeScript(
                        "const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');");
        driver.executeScript(
                "const i = document.getElementById('filter-from'); i.value = arguments[0]; i.dispatchEvent(new Event('change', {bubbles: true}));",
                today);
        wait.until(d -> rows().size() == before + 1);
        driver.executeScript(
                "const i = document.getElementById('filter-to'); i.value = '2000-01-01'; i.dispatchEvent(new Event('change', {bubbles: true}));");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#main .empty")));

        // Paging beyond the first page: two at a time, then more.
        driver.get(server.url() + "/#/executions?limit=2");
        wait.until(d -> rows().size() == 2);
        assertThat(driver.findElement(By.id("executions-more")).isEnabled()).isTrue();
        driver.findElement(By.id("executions-more")).click();
        wait.until(d -> rows().size() == 4);
        List<Long> ids = rows().stream()
                .map(r -> Long.parseLong(r.getAttribute("data-execution")))
                .toList();
        assertThat(ids).isSortedAccordingTo(java.util.Comparator.reverseOrder()).doesNotHaveDuplicates();
        screenshot("executions-list");

        // Retry: the canceled execution runs again with its input, as a new execution linked to it.
        driver.get(canceledExecution);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("execution-retry")))
                .click();
        slow.until(d -> !d.getCurrentUrl().equals(canceledExecution)
                && d.getCurrentUrl().matches(".*#/executions/\\d+$"));
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("execution-retry-of")))
                        .getAttribute("href"))
                .isEqualTo(canceledExecution);
        // The page follows the run and is drawn again when it ends.
        slow.until(ExpectedConditions.textToBe(By.id("execution-status"), "success"));
        assertThat(driver.findElement(By.cssSelector("#main .page-head")).getText())
                .contains("retry");
        assertNoConsoleErrors();
    }

    @Test
    @Order(6)
    void thePagesHoldAtPhoneWidth() throws Exception {
        @SuppressWarnings("unchecked")
        List<Long> frame = (List<Long>) driver.executeScript(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];");
        driver.manage()
                .window()
                .setSize(new Dimension(
                        390 + frame.get(0).intValue(), 844 + frame.get(1).intValue()));
        try {
            assertThat((Long) driver.executeScript("return window.innerWidth;")).isEqualTo(390L);
            driver.get(server.url() + "/#/workflows");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflows-table")));
            assertReachable(
                    By.id("workflow-new"),
                    By.cssSelector(".nav a[href='#/executions']"),
                    By.id("import-submit"),
                    By.id("sign-out"));

            driver.get(workflowUrl);
            wait.until(d -> nodes().size() == 3);
            assertReachable(
                    By.id("workflow-name"),
                    By.id("canvas-save"),
                    By.id("canvas-undo"),
                    By.id("palette-search"),
                    By.id("workflow-graph"),
                    By.id("canvas-zoom-in"),
                    By.id("workflow-run"),
                    By.id("workflow-export"),
                    By.id("workflow-activate"));
            node("Tag").click();
            wait.until(ExpectedConditions.attributeToBe(By.id("node-panel-name"), "value", "Tag"));
            assertReachable(By.id("node-panel-name"), By.id("node-run"), By.id("node-pin"));
            scrollTo(By.id("workflow-editor-panel"));
            screenshot("phone-editor");

            driver.get(server.url() + "/#/executions");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#executions-table tbody tr")));
            assertReachable(
                    By.id("filter-workflow"),
                    By.id("filter-status"),
                    By.id("filter-mode"),
                    By.id("filter-from"),
                    By.id("filter-to"),
                    By.id("executions-more"),
                    By.cssSelector("#executions-table tbody tr a.strong"));
            screenshot("phone-executions");
            assertNoConsoleErrors();
        } finally {
            driver.manage()
                    .window()
                    .setSize(new Dimension(
                            1400 + frame.get(0).intValue(), 1000 + frame.get(1).intValue()));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /**
     * Each control can be reached at this width: scrolled into view it lies within the page's
     * width and is what a tap at its centre hits; and the page itself does not scroll sideways.
     */
    private void assertReachable(By... controls) {
        for (By by : controls) {
            WebElement element = driver.findElement(by);
            driver.executeScript("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});", element);
            @SuppressWarnings("unchecked")
            Map<String, Object> box = (Map<String, Object>) driver.executeScript(
                    "const r = arguments[0].getBoundingClientRect(); const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;"
                            + " const hit = document.elementFromPoint(x, y);"
                            + " return {left: r.left, right: r.right, width: r.width, height: r.height, hit: !!hit && (hit === arguments[0] || arguments[0].contains(hit))};",
                    element);
            assertThat(((Number) box.get("width")).doubleValue())
                    .as(by + " has a size")
                    .isGreaterThan(0);
            assertThat(((Number) box.get("left")).doubleValue())
                    .as(by + " starts on screen")
                    .isGreaterThanOrEqualTo(0);
            assertThat(((Number) box.get("left")).doubleValue())
                    .as(by + " starts within 390 px")
                    .isLessThan(390);
            assertThat((Boolean) box.get("hit"))
                    .as(by + " is what a tap on it hits")
                    .isTrue();
        }
        assertThat((Long) driver.executeScript("return document.documentElement.scrollWidth;"))
                .as("the page does not scroll sideways")
                .isLessThanOrEqualTo(390L);
    }

    private List<WebElement> rows() {
        return driver.findElements(By.cssSelector("#executions-table tbody tr"));
    }
}
