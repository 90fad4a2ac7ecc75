package io.nlink.server.browser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * What the workflow editor's browser tests do again and again, as a person does it: open an empty
 * canvas, add a node from the palette, wire two nodes by dragging, open a node's panel, reach its
 * fields, save, import and export, and read the canvas (its nodes, wires, statuses and counts).
 */
abstract class EditorBrowserTestBase extends BrowserTestBase {
    static final Pattern SAVED = Pattern.compile("^Saved ");

    /** Opens a new workflow: an empty canvas. */
    void newWorkflow() {
        driver.get(server.url() + "/#/workflows");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("workflow-new")))
                .click();
        wait.until(ExpectedConditions.urlContains("#/workflows/new"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("canvas-empty")));
    }

    /** Picks a type from the palette after searching for it. */
    void add(String query, String type) {
        WebElement search = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("palette-search")));
        search.clear();
        search.sendKeys(query);
        wait.until(ExpectedConditions.elementToBeClickable(
                        By.cssSelector("#palette-list .palette-item[data-type='" + type + "']")))
                .click();
    }

    /** The nodes on the canvas, by name, in drawing order. */
    List<String> nodes() {
        return driver.findElements(By.cssSelector("#workflow-graph g.graph-node")).stream()
                .map(g -> g.getAttribute("data-node"))
                .toList();
    }

    /** The wires on the canvas as "From>To". */
    List<String> edges() {
        return driver.findElements(By.cssSelector("#workflow-graph path.graph-edge")).stream()
                .map(p -> p.getAttribute("data-from") + ">" + p.getAttribute("data-to"))
                .toList();
    }

    WebElement node(String name) {
        return driver.findElement(By.cssSelector("#workflow-graph g.graph-node[data-node='" + name + "']"));
    }

    /** Selects a node on the canvas and waits until its panel shows it. */
    void openNode(String name) {
        node(name).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("node-panel-name"), "value", name));
    }

    /** Drags from output {@code output} of {@code from} to the first input of {@code to}. */
    void wire(String from, int output, String to) {
        WebElement source = node(from).findElement(By.cssSelector(".port-out[data-output='" + output + "']"));
        WebElement target = node(to).findElement(By.cssSelector(".port-in[data-input='0']"));
        new Actions(driver)
                .clickAndHold(source)
                .moveByOffset(20, 10)
                .moveToElement(target)
                .release()
                .perform();
    }

    /** The panel's field for a parameter path (dots between steps). */
    WebElement field(String path) {
        return driver.findElement(By.id("param-" + path));
    }

    /** The parameter paths the panel shows now. */
    List<String> shown() {
        return driver.findElements(By.cssSelector("#node-parameters [data-param]")).stream()
                .map(e -> e.getAttribute("data-param"))
                .toList();
    }

    /** The canvas's view transform (zoom and pan). */
    String viewport() {
        return driver.findElement(By.cssSelector("#workflow-graph .canvas-viewport"))
                .getAttribute("transform");
    }

    /** Presses keys together, as Ctrl+Shift+Z: every key but the last held down. */
    void chord(CharSequence... keys) {
        Actions actions = new Actions(driver);
        for (int i = 0; i < keys.length - 1; i++) actions.keyDown(keys[i]);
        actions.sendKeys(keys[keys.length - 1]);
        for (int i = keys.length - 2; i >= 0; i--) actions.keyUp(keys[i]);
        actions.perform();
    }

    /** An element id with dots, as a CSS selector needs it. */
    static String css(String id) {
        return id.replace(".", "\\.");
    }

    /** The Run panel's items. */
    void setItems(String json) {
        WebElement items = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("workflow-items")));
        driver.executeScript("arguments[0].value = arguments[1];", items, json);
    }

    /** A node's status on the canvas, read at once: the canvas draws itself anew on every report. */
    String status(String name) {
        return (String) driver.executeScript(
                "const g = document.querySelector(`#workflow-graph g.graph-node[data-node='${arguments[0]}']`);"
                        + " return g ? g.getAttribute('data-status') : null;",
                name);
    }

    /** The output count shown under a node, read at once. */
    String count(String name) {
        return (String) driver.executeScript(
                "const t = document.querySelector(`#workflow-graph g.graph-node[data-node='${arguments[0]}'] .graph-count`);"
                        + " return t ? t.textContent : null;",
                name);
    }

    /** Clicks Save and waits until the page says it saved. */
    void save() {
        driver.findElement(By.id("canvas-save")).click();
        wait.until(ExpectedConditions.textMatches(By.id("canvas-save-status"), SAVED));
    }

    /** Imports a workflow through the Import form; returns the address of the page it opens. */
    String importWorkflow(String json, String notAt) {
        driver.get(server.url() + "/#/workflows");
        WebElement text = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("import-json")));
        driver.executeScript("arguments[0].value = arguments[1];", text, json);
        driver.findElement(By.id("import-submit")).click();
        slow.until(d -> d.getCurrentUrl().matches(".*#/workflows/\\d+$")
                && !d.getCurrentUrl().equals(notAt));
        return driver.getCurrentUrl();
    }

    /** Clicks Export and reads the file the browser downloaded. */
    String exportWorkflow(String fileName) throws Exception {
        Path exported = downloads.resolve(fileName);
        Files.deleteIfExists(exported);
        driver.findElement(By.id("workflow-export")).click();
        wait.until(d -> Files.isRegularFile(exported) && !Files.exists(downloads.resolve(fileName + ".crdownload")));
        return Files.readString(exported);
    }
}
