package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.http.EgressPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RSS Read against feeds served by a real HTTP server on loopback (allowed explicitly here; the
 * default policy refuses it, as HTTP Request's SSRF tests show for every address class), with
 * n8n's item fields, and against hostile XML: an XXE payload and a billion-laughs payload.
 */
class RssFeedReadNodeTest {
    static HttpServer server;
    static String base;
    static WorkflowEngine engine;
    static WorkflowEngine guarded;
    static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    /** The Accept header of the last request for /rss. */
    static volatile String accept;

    /** n8n's own RSS Read test workflow (in the corpus), whose pinData is what n8n output for the feed beside it. */
    static final Path N8N_EXPORT = N8nCorpusTest.CORPUS.resolve("n8n/RssFeedRead.rss.json");

    static final String RSS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
            <channel><title>Kettle news</title><link>http://example.com/</link>
            <item><title><![CDATA[First & foremost]]></title><link>http://example.com/1</link>
            <description><![CDATA[<p>Hello <b>world</b></p><p>Second &amp; last</p>]]></description>
            <guid isPermaLink="true">http://example.com/1</guid><dc:creator>Ada</dc:creator>
            <category>tea</category><category domain="x">kettles</category>
            <enclosure url="http://example.com/1.mp3" length="123" type="audio/mpeg"/>
            <pubDate>Thu, 09 Feb 2023 13:40:00 +0100</pubDate><custom>mine</custom></item>
            <item><title>Second</title><link>http://example.com/2</link><author>bob@example.com (Bob)</author><pubDate>not a date</pubDate></item>
            </channel></rss>
            """;

    static final String ATOM = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><title type="html">Atom &lt;one&gt;</title><link rel="self" href="http://example.com/self"/>
            <link rel="alternate" href="http://example.com/a1"/><id>urn:1</id><updated>2024-03-01T09:30:00Z</updated>
            <author><name>Grace</name></author><content type="html">&lt;p&gt;Body&lt;/p&gt;</content><summary>Short</summary></entry>
            </feed>
            """;

    static final String RDF = """
            <?xml version="1.0"?>
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <channel rdf:about="http://example.com/"><title>R</title></channel>
            <item rdf:about="http://example.com/r1"><title>RDF one</title><link>http://example.com/r1</link><dc:date>2024-01-02T03:04:05+01:00</dc:date></item>
            </rdf:RDF>
            """;

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", RssFeedReadNodeTest::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        WorkflowEngine builtin = HttpRequestNodeTest.builtinOnly();
        engine = builtin.withEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1").withMaxResponseBytes(64 * 1024));
        guarded = builtin; // the default policy: loopback refused
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        switch (path) {
            case "/rss" -> {
                accept = x.getRequestHeaders().getFirst("Accept");
                send(x, 200, RSS);
            }
            case "/atom" -> send(x, 200, ATOM);
            case "/n8n-feed" -> send(x, 200, Files.readString(N8N_EXPORT.resolveSibling("RssFeedRead.rss.feed.xml")));
            case "/rdf" -> send(x, 200, RDF);
            case "/moved" -> {
                x.getResponseHeaders().add("Location", "/rss");
                send(x, 302, "");
            }
            case "/to-metadata" -> {
                x.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data/");
                send(x, 302, "");
            }
            case "/xxe" ->
                send(
                        x,
                        200,
                        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">"
                                + "<!ENTITY web SYSTEM \"" + base + "/entity\">]>"
                                + "<rss version=\"2.0\"><channel><item><title>&xxe;</title><description>&web;</description>"
                                + "</item></channel></rss>");
            case "/lol" -> {
                StringBuilder dtd = new StringBuilder("<!ENTITY lol0 \"lol\">");
                for (int i = 1; i <= 9; i++)
                    dtd.append("<!ENTITY lol")
                            .append(i)
                            .append(" \"")
                            .append(("&lol" + (i - 1) + ";").repeat(10))
                            .append("\">");
                send(
                        x,
                        200,
                        "<?xml version=\"1.0\"?><!DOCTYPE rss [" + dtd
                                + "]><rss version=\"2.0\"><channel><item><title>&lol9;</title>"
                                + "</item></channel></rss>");
            }
            case "/undeclared" ->
                send(x, 200, "<rss version=\"2.0\"><channel><item><title>&nbsp;x</title></item></channel></rss>");
            case "/big" -> send(x, 200, "<rss>" + "<!-- padding -->".repeat(10_000) + "</rss>");
            case "/html" -> send(x, 200, "<html><body>not a feed</body></html>");
            case "/stall" -> {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                send(x, 200, RSS);
            }
            default -> send(x, 404, "no such feed");
        }
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/rss+xml; charset=utf-8");
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String read(double version, String url, String options) {
        return BuiltinRuns.node("rssFeedRead", version, "{\"url\": \"" + url + "\", \"options\": " + options + "}");
    }

    private static Execution run(WorkflowEngine with, String node, String items) throws Exception {
        return with.run(Fixtures.workflow(Fixtures.chain(node)), null, Fixtures.items(items));
    }

    private static List<String> output(String node, String items) throws Exception {
        Execution run = run(engine, node, items);
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        return run.output().stream().map(JsonNode::toString).toList();
    }

    private static String error(WorkflowEngine with, String node) throws Exception {
        Execution run = run(with, node, "[{}]");
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.ERROR);
        return run.error();
    }

    @Test
    void rss2ItemsCarryN8nsFields() throws Exception {
        assertThat(output(read(1.1, base + "/rss", "{}"), "[{}]"))
                .containsExactly(
                        "{\"creator\":\"Ada\",\"title\":\"First & foremost\",\"link\":\"http://example.com/1\","
                                + "\"pubDate\":\"Thu, 09 Feb 2023 13:40:00 +0100\","
                                + "\"enclosure\":{\"url\":\"http://example.com/1.mp3\",\"length\":\"123\",\"type\":\"audio/mpeg\"},"
                                + "\"dc:creator\":\"Ada\",\"content\":\"<p>Hello <b>world</b></p><p>Second &amp; last</p>\","
                                + "\"contentSnippet\":\"Hello world\\nSecond & last\",\"guid\":\"http://example.com/1\","
                                + "\"categories\":[\"tea\",{\"_\":\"kettles\",\"$\":{\"domain\":\"x\"}}],"
                                + "\"isoDate\":\"2023-02-09T12:40:00.000Z\"}",
                        "{\"creator\":\"bob@example.com (Bob)\",\"title\":\"Second\",\"link\":\"http://example.com/2\","
                                + "\"pubDate\":\"not a date\",\"author\":\"bob@example.com (Bob)\"}");
        assertThat(output(read(1.1, base + "/rss", "{\"customFields\": \"custom, missing\"}"), "[{}]")
                        .get(0))
                .contains("\"custom\":\"mine\"")
                .doesNotContain("missing");
    }

    @Test
    void n8nsOwnTestFeedGivesTheItemsN8nRecorded() throws Exception {
        String export = Files.readString(N8N_EXPORT);
        List<JsonNode> recorded = PinData.of(Json.parse(export)).get("RSS Read");
        Workflow workflow = WorkflowParser.parse(
                "RssFeedRead.rss.json",
                export.replace("https://lorem-rss.herokuapp.com/feed?length=3", base + "/n8n-feed")
                        .getBytes(StandardCharsets.UTF_8));
        Execution run = engine.run(workflow, null, Fixtures.items("[{}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(recorded).hasSize(3);
        assertThat(run.output()).isEqualTo(recorded);
    }

    @Test
    void atomAndRss1Entries() throws Exception {
        assertThat(output(read(1.2, base + "/atom", "{}"), "[{}]"))
                .containsExactly(
                        "{\"title\":\"Atom <one>\",\"link\":\"http://example.com/a1\","
                                + "\"pubDate\":\"2024-03-01T09:30:00Z\",\"author\":\"Grace\",\"content\":\"<p>Body</p>\","
                                + "\"contentSnippet\":\"Body\",\"summary\":\"Short\",\"id\":\"urn:1\",\"isoDate\":\"2024-03-01T09:30:00.000Z\"}");
        assertThat(output(read(1.2, base + "/rdf", "{}"), "[{}]"))
                .containsExactly(
                        "{\"date\":\"2024-01-02T03:04:05+01:00\",\"title\":\"RDF one\",\"link\":\"http://example.com/r1\","
                                + "\"dc:date\":\"2024-01-02T03:04:05+01:00\",\"isoDate\":\"2024-01-02T02:04:05.000Z\"}");
    }

    @Test
    void version11ReadsEachItemsUrlAndVersion1TheFirstOnce() throws Exception {
        String items = "[{\"u\": \"" + base + "/atom\"}, {\"u\": \"" + base + "/rdf\"}]";
        Execution perItem = run(engine, read(1.1, "={{ $json.u }}", "{}"), items);
        assertThat(perItem.output()).hasSize(2);
        assertThat(perItem.output().get(1).path("title").asText()).isEqualTo("RDF one");
        Execution once = run(engine, read(1, "={{ $json.u }}", "{}"), items);
        assertThat(once.output()).hasSize(1);
        assertThat(once.output().get(0).path("title").asText()).isEqualTo("Atom <one>");
        // 1.2 asks for feeds by media type, as n8n's does; older versions for RSS only.
        assertThat(output(read(1.2, base + "/rss", "{}"), "[{}]")).hasSize(2);
        assertThat(accept).contains("application/atom+xml;q=0.6");
        assertThat(output(read(1.1, base + "/moved", "{}"), "[{}]")).hasSize(2);
        assertThat(accept).isEqualTo("application/rss+xml");
    }

    @Test
    void theGuardOfHttpRequestAppliesToFeeds() throws Exception {
        assertThat(error(guarded, read(1.1, base + "/rss", "{}")))
                .contains("refused")
                .contains("127.0.0.1");
        assertThat(error(engine, read(1.1, base + "/to-metadata", "{}")))
                .contains("refused")
                .contains("169.254.169.254");
        assertThat(error(engine, read(1.1, "file:///etc/passwd", "{}"))).contains("not valid");
        assertThat(error(engine, read(1.1, base + "/big", "{}"))).contains("65536");
        assertThat(error(engine, read(1.1, base + "/nothing", "{}"))).contains("Status code 404");
        assertThat(error(engine, read(1.1, base + "/html", "{}")))
                .contains("Feed not recognized")
                .contains("<html>");
        assertThat(error(engine, read(1.1, "", "{}"))).contains("The parameter \"URL\" has to be set!");
        // The operator's time bound holds for feeds too.
        WorkflowEngine impatient = HttpRequestNodeTest.builtinOnly()
                .withEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1").withMaxTime(java.time.Duration.ofSeconds(1)));
        assertThat(error(impatient, read(1.1, base + "/stall", "{}"))).contains("took longer");
        assertThat(error(engine, read(1.1, base + "/rss", "{\"ignoreSSL\": true}")))
                .contains("ignoreSSL is refused");
    }

    @Test
    void xxeAndEntityExpansionAreRefused() throws Exception {
        String xxe = error(engine, read(1.1, base + "/xxe", "{}"));
        assertThat(xxe).contains("declares entities").doesNotContain("root:");
        assertThat(hits.getOrDefault("/entity", new AtomicInteger()).get())
                .as("requests for the external entity")
                .isZero();
        assertThat(error(engine, read(1.1, base + "/lol", "{}"))).contains("declares entities");
        // An entity no DTD defines (HTML's &nbsp; in XML) fails clearly instead of vanishing.
        assertThat(error(engine, read(1.1, base + "/undeclared", "{}"))).contains("&nbsp;");
    }
}
