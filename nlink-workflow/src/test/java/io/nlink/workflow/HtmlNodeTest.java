package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.nlink.runtime.json.Json;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The HTML node (1 to 1.2) and HTML Extract with n8n's parameters, on real pages, and on hostile ones. */
class HtmlNodeTest {
    static final String PAGE = """
            <html><head><title>Shop</title><style>p { color: red }</style></head><body>
              <h2 class="title">Offers  of the  day</h2>
              <ul>
                <li class="item" data-id="a1"><a href="/a1">Kettle</a> <span class="price"> 12.50 </span></li>
                <li class="item" data-id="b2"><a href="mailto:sales@example.com">Toaster</a> <span class="price">30</span></li>
              </ul>
              <p>First line<br>second line</p>
              <form><input name="q" value="tea"><textarea id="notes">  two
            lines </textarea>
              <select id="size"><option value="s">Small</option><option selected>Large</option></select></form>
              <script>var secret = 1;</script>
            </body></html>""";

    private static String item() {
        ObjectNode item = Json.MAPPER.createObjectNode().put("page", PAGE);
        return "[" + item + "]";
    }

    private static String extract(double version, String values, String options) {
        return BuiltinRuns.node(
                "html",
                version,
                "{\"operation\": \"extractHtmlContent\", \"dataPropertyName\": \"page\", \"extractionValues\": {\"values\": "
                        + values + "}, \"options\": " + options + "}");
    }

    @Test
    void extractsTextHtmlAttributesAndFormValues() throws Exception {
        String values = "[{\"key\": \"prices\", \"cssSelector\": \".price\", \"returnArray\": true},"
                + " {\"key\": \"ids\", \"cssSelector\": \"li.item\", \"returnValue\": \"attribute\", \"attribute\": \"data-id\", \"returnArray\": true},"
                + " {\"key\": \"first\", \"cssSelector\": \"li\", \"returnValue\": \"html\"},"
                + " {\"key\": \"q\", \"cssSelector\": \"input[name=q]\", \"returnValue\": \"value\"},"
                + " {\"key\": \"size\", \"cssSelector\": \"#size\", \"returnValue\": \"value\"},"
                + " {\"key\": \"notes\", \"cssSelector\": \"#notes\", \"returnValue\": \"value\"},"
                + " {\"key\": \"missing\", \"cssSelector\": \".nothing\"},"
                + " {\"key\": \"missingInArray\", \"cssSelector\": \"li\", \"returnValue\": \"attribute\", \"attribute\": \"title\", \"returnArray\": true}]";
        assertThat(BuiltinRuns.output(extract(1.1, values, "{\"trimValues\": true}"), item()))
                .containsExactly("{\"prices\":[\"12.50\",\"30\"],\"ids\":[\"a1\",\"b2\"],"
                        + "\"first\":\"<a href=\\\"/a1\\\">Kettle</a> <span class=\\\"price\\\"> 12.50 </span>\","
                        + "\"q\":\"tea\",\"size\":\"Large\",\"notes\":\"two\\nlines\",\"missingInArray\":[null,null]}");
        // Untrimmed unless asked (n8n's options are off until added); HTML Extract trims unless told not to.
        assertThat(BuiltinRuns.output(extract(1.1, "[{\"key\": \"p\", \"cssSelector\": \".price\"}]", "{}"), item()))
                .containsExactly("{\"p\":\" 12.50 30\"}");
        assertThat(BuiltinRuns.output(
                        BuiltinRuns.node(
                                "htmlExtract",
                                1,
                                "{\"dataPropertyName\": \"page\", \"extractionValues\": {\"values\": [{\"key\": \"p\", \"cssSelector\": \".price\"}]}}"),
                        item()))
                .containsExactly("{\"p\":\"12.50 30\"}");
    }

    @Test
    void version12TextIsFormattedAsN8nsIs() throws Exception {
        assertThat(BuiltinRuns.output(extract(1.2, "[{\"key\": \"t\", \"cssSelector\": \"body\"}]", "{}"), item()))
                .containsExactly(
                        "{\"t\":\"OFFERS OF THE DAY\\n\\n* Kettle [/a1] 12.50\\n* Toaster [sales@example.com] 30\\n\\n"
                                + "First line\\nsecond line\\n\\ntwo lines SmallLarge\"}");
        assertThat(BuiltinRuns.output(
                        extract(
                                1.2,
                                "[{\"key\": \"t\", \"cssSelector\": \"ul\", \"skipSelectors\": \"a, .nothing\"}]",
                                "{\"cleanUpText\": true}"),
                        item()))
                .containsExactly("{\"t\":\"* 12.50* 30\"}");
        // Long text wraps at 80 columns, as n8n's html-to-text does by default.
        String words = "word ".repeat(30).strip();
        ObjectNode long1 = Json.MAPPER.createObjectNode().put("page", "<p>" + words + "</p>");
        String wrapped = Json.parse(BuiltinRuns.output(
                                extract(1.2, "[{\"key\": \"t\", \"cssSelector\": \"p\"}]", "{}"), "[" + long1 + "]")
                        .get(0))
                .path("t")
                .asText();
        assertThat(wrapped.split("\n"))
                .hasSize(2)
                .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    }

    @Test
    void aListOfPagesGivesOneItemEachAndADottedPathReachesIn() throws Exception {
        String node = BuiltinRuns.node(
                "html",
                1.2,
                "{\"operation\": \"extractHtmlContent\", \"dataPropertyName\": \"res.pages\", \"extractionValues\": {\"values\": [{\"key\": \"h\", \"cssSelector\": \"h1\"}]}}");
        assertThat(BuiltinRuns.output(node, "[{\"res\": {\"pages\": [\"<h1>One</h1>\", \"<h1>Two</h1>\"]}}]"))
                // The selected element's content is rendered, not the element: n8n formats the inner HTML, so no
                // capitals.
                .containsExactly("{\"h\":\"One\"}", "{\"h\":\"Two\"}");
        assertThat(BuiltinRuns.error(node, "[{\"other\": 1}]")).contains("No property named \"res.pages\" exists!");
    }

    @Test
    void generatesTemplatesWithExpressions() throws Exception {
        String node = BuiltinRuns.node(
                "html",
                1.2,
                "{\"operation\": \"generateHtmlTemplate\", \"html\": \"<h1>{{ $json.name }}</h1><p>{{ $json.n * 2 }}</p>\"}");
        assertThat(BuiltinRuns.output(node, "[{\"name\": \"Ada\", \"n\": 21}, {\"name\": \"Alan\", \"n\": 1}]"))
                .containsExactly("{\"html\":\"<h1>Ada</h1><p>42</p>\"}", "{\"html\":\"<h1>Alan</h1><p>2</p>\"}");
        // Without {{ }} the template is the output as it is.
        assertThat(BuiltinRuns.output(
                        BuiltinRuns.node(
                                "html",
                                1.2,
                                "{\"operation\": \"generateHtmlTemplate\", \"html\": \"<p>plain & simple</p>\"}"),
                        "[{}]"))
                .containsExactly("{\"html\":\"<p>plain & simple</p>\"}");
        assertThat(BuiltinRuns.error(
                        BuiltinRuns.node("html", 1.2, "{\"operation\": \"generateHtmlTemplate\"}"), "[{}]"))
                .contains("html: the template is empty");
    }

    @Test
    void convertsItemsToN8nsTable() throws Exception {
        String node = BuiltinRuns.node(
                "html",
                1.2,
                "{\"operation\": \"convertToHtmlTable\", \"options\": {\"capitalize\": true, \"customStyling\": true, \"caption\": \"People\"}}");
        assertThat(
                        BuiltinRuns.output(
                                node,
                                "[{\"first_name\": \"Ada\", \"ok\": true, \"n\": 1.0}, {\"first_name\": \"Alan\", \"tags\": [1, null, \"x\"]}]"))
                .containsExactly(
                        "{\"table\":\"<table  ><caption>People</caption><thead  ><tr><th>First Name</th><th>Ok</th><th>N</th><th>Tags</th></tr></thead><tbody>"
                                + "<tr  ><td  >Ada</td><td  ><input type=\\\"checkbox\\\" checked=\\\"checked\\\"/></td><td  >1</td><td  >undefined</td></tr>"
                                + "<tr  ><td  >Alan</td><td  >undefined</td><td  >undefined</td><td  >1,,x</td></tr></tbody></table>\"}");
        String styled = Json.parse(BuiltinRuns.output(
                                BuiltinRuns.node("html", 1.2, "{\"operation\": \"convertToHtmlTable\"}"),
                                "[{\"a\": 0.5}]")
                        .get(0))
                .path("table")
                .asText();
        assertThat(styled).startsWith("<table style='border-spacing:0;").contains(">0.5</td>");
    }

    @Test
    void hostilePagesAndSelectorsAreBounded() throws Exception {
        // Deep nesting: parsed and walked without exhausting the stack.
        ObjectNode deep =
                Json.MAPPER.createObjectNode().put("page", "<div>".repeat(200_000) + "deep" + "</div>".repeat(200_000));
        assertThat(BuiltinRuns.output(
                        extract(1.2, "[{\"key\": \"t\", \"cssSelector\": \"body\"}]", "{}"), "[" + deep + "]"))
                .containsExactly("{\"t\":\"deep\"}");
        ObjectNode huge = Json.MAPPER.createObjectNode().put("page", "x".repeat(10 * 1024 * 1024 + 1));
        assertThat(BuiltinRuns.error(
                        extract(1.2, "[{\"key\": \"t\", \"cssSelector\": \"p\"}]", "{}"), "[" + huge + "]"))
                .contains("at most 10485760 are parsed");
        assertThat(BuiltinRuns.error(
                        extract(1.2, "[{\"key\": \"t\", \"cssSelector\": \"p:matches((a+)+$)\"}]", "{}"), item()))
                .contains("regular expressions")
                .contains("refused");
        assertThat(BuiltinRuns.error(extract(1.2, "[{\"key\": \"t\", \"cssSelector\": \"p[\"}]", "{}"), item()))
                .contains("not a valid CSS selector");
        assertThat(BuiltinRuns.error(
                        BuiltinRuns.node(
                                "html",
                                1.2,
                                "{\"operation\": \"extractHtmlContent\", \"sourceData\": \"binary\", \"extractionValues\": {\"values\": []}}"),
                        item()))
                .contains("no binary data");
    }

    @Test
    void thePageCannotMakeTheParserFetchAnything() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            requests.incrementAndGet();
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.start();
        try {
            String at = "http://127.0.0.1:" + server.getAddress().getPort();
            ObjectNode page = Json.MAPPER
                    .createObjectNode()
                    .put(
                            "page",
                            "<!DOCTYPE html SYSTEM \"" + at + "/dtd\"><html><head><link rel=stylesheet href=\"" + at
                                    + "/css\"><base href=\"" + at + "/\"></head><body><img src=\"" + at
                                    + "/img\"><iframe src=\"" + at + "/frame\"></iframe><p>text</p></body></html>");
            for (String returnValue : List.of("text", "html")) {
                assertThat(BuiltinRuns.output(
                                extract(
                                        1.2,
                                        "[{\"key\": \"v\", \"cssSelector\": \"body\", \"returnValue\": \"" + returnValue
                                                + "\"}]",
                                        "{}"),
                                "[" + page + "]"))
                        .hasSize(1);
            }
        } finally {
            server.stop(0);
        }
        assertThat(requests.get()).as("requests the parser made").isZero();
    }
}
