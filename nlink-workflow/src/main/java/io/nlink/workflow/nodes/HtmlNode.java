package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import io.nlink.workflow.expr.Expressions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.jsoup.select.Selector;

/**
 * HTML (n8n-nodes-base.html, versions 1 to 1.2) and its predecessor HTML Extract
 * (n8n-nodes-base.htmlExtract), by {@code operation}:
 * <ul>
 *   <li>extractHtmlContent: for the HTML in the JSON field {@code dataPropertyName} ("data"; a
 *       dotted path from 1.1; a list of HTML strings gives one item each), one item holding, under
 *       each {@code extractionValues.values[].key}, what {@code cssSelector} selects:
 *       {@code returnValue} text (the default; from 1.2 as formatted text, see {@link HtmlText},
 *       without {@code skipSelectors}), html (the first match's inner HTML), attribute (its
 *       {@code attribute}, or all of its attributes when none is named) or value (of an input,
 *       select or textarea); {@code returnArray} gives one value per match. {@code options}
 *       trimValues and cleanUpText apply when set to true (HTML Extract trims unless told not to).
 *       No match gives no key (n8n's undefined), or null in an array;
 *   <li>generateHtmlTemplate (the default): {@code {"html": …}}, the {@code html} template with
 *       each {@code {{ expression }}} replaced by its value for the item;
 *   <li>convertToHtmlTable: one item {@code {"table": …}} with every input item as a row and
 *       every key as a column, in n8n's markup; cell values are inserted as they are, as n8n
 *       does (HTML in a value stays HTML: escape untrusted values before).
 * </ul>
 * Hostile input is bounded: each HTML value at most {@link #MAX_HTML_CHARS} characters; jsoup
 * parses in memory and fetches nothing the page names. Selectors are CSS as cheerio reads them:
 * jsoup's own regular-expression selectors ({@code :matches…}) are refused, as a selector may
 * come from anyone who can edit the workflow. HTML from binary data is refused: items carry none.
 */
final class HtmlNode implements NodeType {
    /** The longest HTML value the node parses. */
    static final int MAX_HTML_CHARS = 10 * 1024 * 1024;

    private static final Pattern REGEX_SELECTOR = Pattern.compile("(?i):matches");
    private static final String TABLE_STYLE = "style='border-spacing:0; font-family:helvetica,arial,sans-serif'";
    private static final String HEADER_STYLE = "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid"
            + " #eee; text-align:left; color:#888; font-weight:normal'";
    private static final String CELL_STYLE = "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee'";

    /** HTML Extract: extraction only, values trimmed unless {@code options.trimValues} is false. */
    private final boolean extractOnly;

    HtmlNode(boolean extractOnly) {
        this.extractOnly = extractOnly;
    }

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        String operation = extractOnly
                ? "extractHtmlContent"
                : run.parameters().path("operation").asText("generateHtmlTemplate");
        return switch (operation) {
            case "extractHtmlContent" -> extract(run);
            case "generateHtmlTemplate" -> template(run);
            case "convertToHtmlTable" -> table(run);
            default ->
                throw new NodeFailedException("operation: \"" + operation
                        + "\" is not generateHtmlTemplate, extractHtmlContent or convertToHtmlTable");
        };
    }

    private List<List<Item>> extract(NodeRun run) throws NodeFailedException {
        double version = extractOnly ? 1 : run.node().typeVersion();
        List<List<Item>> outputs = run.outputs(1);
        run.eachItem(run.input(0), outputs, (index, item, p) -> {
            if (p.path("sourceData").asText("json").equals("binary")) {
                throw new IllegalArgumentException("sourceData \"binary\": nLink items carry no binary data;"
                        + " get the HTML as text into a JSON field (HTTP Request's response does) and choose JSON");
            }
            String field = p.path("dataPropertyName").asText("data");
            JsonNode value = version > 1
                    ? Fields.get(item.json(), field, true)
                    : item.json().path(field);
            if (value.isMissingNode())
                throw new IllegalArgumentException("No property named \"" + field + "\" exists!");
            List<String> pages = new ArrayList<>();
            if (value.isArray()) value.forEach(v -> pages.add(text(v)));
            else pages.add(text(value));
            boolean trim = extractOnly
                    ? p.path("options").path("trimValues").asBoolean(true)
                    : p.path("options").path("trimValues").asBoolean(false);
            boolean cleanUp =
                    !extractOnly && p.path("options").path("cleanUpText").asBoolean(false);
            for (String html : pages) {
                if (html.length() > MAX_HTML_CHARS) {
                    throw new IllegalArgumentException("the HTML in \"" + field + "\" has " + html.length()
                            + " characters; at most " + MAX_HTML_CHARS + " are parsed");
                }
                Document page = parse(html);
                ObjectNode out = Json.MAPPER.createObjectNode();
                for (JsonNode wanted : p.path("extractionValues").path("values")) {
                    run.checkNotStopped();
                    Elements found = select(page, wanted.path("cssSelector").asText(""));
                    String key = wanted.path("key").asText("");
                    if (wanted.path("returnArray").asBoolean(false)) {
                        ArrayNode list = out.putArray(key);
                        for (Element e : found) {
                            JsonNode v = value(page, new Elements(e), wanted, version, trim, cleanUp);
                            list.add(v == null ? NullNode.getInstance() : v);
                        }
                    } else {
                        JsonNode v = value(page, found, wanted, version, trim, cleanUp);
                        if (v != null) out.set(key, v);
                    }
                }
                outputs.get(0).add(run.item(out, item));
            }
        });
        return outputs;
    }

    /** A page as browsers (and cheerio's parse5) build it; jsoup fetches nothing it names. */
    static Document parse(String html) {
        // The HTML standard reads CR LF and CR as LF before parsing; jsoup keeps them.
        Document page = Jsoup.parse(html.replace("\r\n", "\n").replace('\r', '\n'));
        page.outputSettings().prettyPrint(false);
        // It also puts whitespace after </body> into the body, where jsoup leaves it beside it.
        Element body = page.body();
        for (org.jsoup.nodes.Node n = body.nextSibling(); n != null; ) {
            org.jsoup.nodes.Node next = n.nextSibling();
            if (n instanceof org.jsoup.nodes.TextNode text && text.isBlank()) body.appendChild(text);
            n = next;
        }
        return page;
    }

    private static Elements select(Document page, String selector) {
        if (selector.isBlank()) throw new IllegalArgumentException("cssSelector: give a CSS selector");
        if (REGEX_SELECTOR.matcher(selector).find()) {
            throw new IllegalArgumentException("cssSelector \"" + selector
                    + "\": :matches… selectors (regular expressions) are not CSS and are refused; use :contains");
        }
        try {
            return page.select(selector);
        } catch (Selector.SelectorParseException e) {
            throw new IllegalArgumentException(
                    "cssSelector \"" + selector + "\" is not a valid CSS selector: " + e.getMessage());
        }
    }

    /** What one extraction value gives for {@code found}, or null where n8n gives undefined. */
    private static JsonNode value(
            Document page, Elements found, JsonNode wanted, double version, boolean trim, boolean cleanUp) {
        Element first = found.isEmpty() ? null : found.first();
        String returnValue = wanted.path("returnValue").asText("text");
        if (returnValue.equals("attribute")
                && wanted.path("attribute").asText("").isEmpty()) {
            // No name: cheerio's attr() gives every attribute of the first match.
            if (first == null) return null;
            ObjectNode attributes = Json.MAPPER.createObjectNode();
            for (Attribute a : first.attributes()) attributes.put(a.getKey(), a.getValue());
            return attributes;
        }
        String text = switch (returnValue) {
            case "text" -> {
                if (version > 1.1) {
                    List<Element> skipped = new ArrayList<>();
                    for (String s : Fields.list(wanted.path("skipSelectors"))) skipped.addAll(select(page, s));
                    yield first == null ? "" : HtmlText.render(first, skipped);
                }
                StringBuilder all = new StringBuilder();
                for (Element e : found) all.append(e.wholeText());
                yield all.isEmpty() ? null : all.toString();
            }
            case "html" -> first == null || first.html().isEmpty() ? null : first.html();
            case "attribute" -> {
                String name = wanted.path("attribute").asText("");
                yield first != null && first.hasAttr(name) ? first.attr(name) : null;
            }
            case "value" -> first == null ? null : formValue(first);
            default ->
                throw new IllegalArgumentException(
                        "returnValue: \"" + returnValue + "\" is not attribute, html, text or value");
        };
        if (text == null) return null;
        if (trim) text = text.strip();
        if (cleanUp) text = text.strip().replaceAll("\r\n|\n|\r", "").replaceAll("\\s+", " ");
        return TextNode.valueOf(text);
    }

    /** The value of a form field, as cheerio's val() reads it. */
    private static String formValue(Element e) {
        return switch (e.normalName()) {
            case "textarea" -> e.wholeText();
            case "select" -> {
                Element selected = e.selectFirst("option[selected]");
                yield selected == null ? null : optionValue(selected);
            }
            case "option" -> optionValue(e);
            default -> e.hasAttr("value") ? e.attr("value") : null;
        };
    }

    private static String optionValue(Element option) {
        return option.hasAttr("value") ? option.attr("value") : option.text();
    }

    private static String text(JsonNode v) {
        return v.isTextual() ? v.asText() : v.isNull() ? "" : v.toString();
    }

    /** The {@code html} template with its {{ }} parts evaluated per item, as an n8n expression evaluates them. */
    private static List<List<Item>> template(NodeRun run) throws NodeFailedException {
        JsonNode html = run.parameters().path("html");
        if (!html.isTextual() || html.asText().isBlank()) {
            throw new NodeFailedException("html: the template is empty; write the HTML to generate"
                    + " (n8n's editor fills in a sample page, which an export without the parameter leaves out)");
        }
        ObjectNode parameters = run.parameters().deepCopy();
        if (!html.asText().startsWith("=")) parameters.put("html", "=" + html.asText());
        List<Item> items = run.input(0);
        List<Expressions.Resolved> resolved = run.parametersPerItem(parameters, items);
        List<List<Item>> outputs = run.outputs(1);
        for (int i = 0; i < items.size(); i++) {
            Expressions.Resolved r = resolved.get(i);
            if (r.failure() != null) {
                run.itemFailed(outputs, i, items.get(i), r.failure().message());
                continue;
            }
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.set("html", TextNode.valueOf(text(r.params().path("html"))));
            outputs.get(0).add(run.item(out, items.get(i)));
        }
        return outputs;
    }

    /** n8n's table: every key of every item a column, in the order first seen; one row per item. */
    private static List<List<Item>> table(NodeRun run) throws NodeFailedException {
        List<Item> items = run.input(0);
        if (items.isEmpty()) return List.of(List.of());
        List<Expressions.Resolved> resolved = run.parametersPerItem(items);
        for (Expressions.Resolved r : resolved) {
            if (r.failure() != null) throw new NodeFailedException(r.failure().message());
        }
        JsonNode options = resolved.get(0).params().path("options");
        boolean styled = !options.path("customStyling").asBoolean(false);
        Set<String> headers = new LinkedHashSet<>();
        for (Item item : items) item.json().properties().forEach(e -> headers.add(e.getKey()));

        StringBuilder table = new StringBuilder();
        table.append("<table ")
                .append(styled ? TABLE_STYLE : "")
                .append(' ')
                .append(options.path("tableAttributes").asText(""))
                .append('>');
        String caption = options.path("caption").asText("");
        if (!caption.isEmpty()) table.append("<caption>").append(caption).append("</caption>");
        table.append("<thead ")
                .append(styled ? HEADER_STYLE : "")
                .append(' ')
                .append(options.path("headerAttributes").asText(""))
                .append("><tr>");
        boolean capitalize = options.path("capitalize").asBoolean(false);
        for (String h : headers)
            table.append("<th>").append(capitalize ? capitalized(h) : h).append("</th>");
        table.append("</tr></thead><tbody>");
        for (int i = 0; i < items.size(); i++) {
            JsonNode rowOptions = resolved.get(i).params().path("options");
            table.append("<tr  ")
                    .append(rowOptions.path("rowAttributes").asText(""))
                    .append('>');
            String cellAttributes = rowOptions.path("cellAttributes").asText("");
            for (String h : headers) {
                table.append("<td ")
                        .append(styled ? CELL_STYLE : "")
                        .append(' ')
                        .append(cellAttributes)
                        .append('>');
                JsonNode v = items.get(i).json().path(h);
                if (v.isBoolean())
                    table.append("<input type=\"checkbox\" ")
                            .append(v.asBoolean() ? "checked=\"checked\"" : "")
                            .append("/>");
                else table.append(jsString(v));
                table.append("</td>");
            }
            table.append("</tr>");
        }
        table.append("</tbody></table>");
        ObjectNode out = Json.MAPPER.createObjectNode().put("table", table.toString());
        return List.of(List.of(run.item(out, items)));
    }

    /** "first_name" as "First Name". */
    static String capitalized(String header) {
        List<String> words = new ArrayList<>();
        for (String w : header.split("_")) {
            if (!w.isEmpty()) words.add(w.substring(0, 1).toUpperCase(Locale.ROOT) + w.substring(1));
        }
        return String.join(" ", words);
    }

    /** A JSON value as JavaScript's String() writes it, which is what n8n's table cells hold. */
    static String jsString(JsonNode v) {
        if (v.isMissingNode()) return "undefined";
        if (v.isNull()) return "null";
        if (v.isTextual()) return v.asText();
        if (v.isNumber()) return jsNumber(v.asDouble());
        if (v.isBoolean()) return Boolean.toString(v.asBoolean());
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(e -> parts.add(e.isNull() || e.isMissingNode() ? "" : jsString(e)));
            return String.join(",", parts);
        }
        return "[object Object]";
    }

    static String jsNumber(double d) {
        if (d == 0) return "0"; // JavaScript writes -0 as 0
        if (Math.abs(d) < 1e21 && (d == Math.rint(d) || Math.abs(d) >= 1e-7))
            return new java.math.BigDecimal(Double.toString(d))
                    .stripTrailingZeros()
                    .toPlainString();
        String s = Double.toString(d);
        int e = s.indexOf('E');
        if (e < 0) return s;
        String mantissa = s.substring(0, e);
        if (mantissa.endsWith(".0")) mantissa = mantissa.substring(0, mantissa.length() - 2);
        String exponent = s.substring(e + 1);
        return mantissa + "e" + (exponent.startsWith("-") ? exponent : "+" + exponent);
    }
}
