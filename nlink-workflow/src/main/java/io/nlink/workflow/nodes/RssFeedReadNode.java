package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import io.nlink.workflow.http.GuardedHttp;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * RSS Read (n8n-nodes-base.rssFeedRead, versions 1 to 1.2): fetches the feed at {@code url} and
 * outputs one item per entry, with the fields n8n's rss-parser gives: for RSS 2.0 and RSS 1.0
 * (RDF) {@code creator}, {@code title}, {@code link}, {@code pubDate}, {@code author},
 * {@code content:encoded} (+ {@code content:encodedSnippet}), {@code enclosure} (its attributes),
 * {@code dc:creator}, {@code dc:date}, {@code comments}, {@code content} and
 * {@code contentSnippet} (from the description, tags stripped), {@code guid}, {@code categories},
 * {@code isoDate}; for Atom {@code title}, {@code link}, {@code pubDate}, {@code author},
 * {@code content}, {@code contentSnippet}, {@code summary}, {@code id}, {@code isoDate}; plus the
 * item fields named in {@code options.customFields}. From 1.1 each input item's URL is read (1
 * reads the first item's once); 1.2 asks for feeds in its Accept header.
 *
 * <p>The feed comes through {@link GuardedHttp}, the client HTTP Request uses: the same SSRF
 * guard (internal addresses refused unless the operator allows them), size and time bounds (60 s,
 * as n8n's parser, or the operator's shorter bound), up to 5 redirects, each checked. It is parsed
 * as hostile XML: no DTD is read, no external entity or schema is fetched, and a document that
 * declares entities (XXE, "billion laughs") is refused.
 * {@code options.ignoreSSL} is refused: certificates are always verified.
 */
final class RssFeedReadNode implements NodeType {
    private static final int MAX_REDIRECTS = 5;
    /** rss-parser's own timeout; the operator's --http-timeout still applies when shorter. */
    private static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(60);

    private static final String FEED_ACCEPT = "application/rss+xml, application/rdf+xml;q=0.8,"
            + " application/atom+xml;q=0.6, application/xml;q=0.4, text/xml;q=0.4";
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern(
                    "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneId.of("UTC"));

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        List<Item> items = run.input(0);
        double version = run.node().typeVersion();
        GuardedHttp http = new GuardedHttp(run.services().egress());
        if (version < 1.1) {
            // Version 1 reads the first item's URL once; what it outputs comes from all its input items.
            if (items.isEmpty()) return outputs;
            List<Item> first = items.subList(0, 1);
            List<List<Item>> once = run.outputs(1);
            run.eachItem(first, once, (i, item, p) -> {
                for (JsonNode entry : read(http, p, version)) once.get(0).add(run.item(entry, items));
            });
            return once;
        }
        run.eachItem(items, outputs, (i, item, p) -> {
            for (JsonNode entry : read(http, p, version)) outputs.get(0).add(run.item(entry, item));
        });
        return outputs;
    }

    private static List<JsonNode> read(GuardedHttp http, JsonNode p, double version) {
        String url = p.path("url").asText("").strip();
        if (url.isEmpty()) throw new IllegalArgumentException("The parameter \"URL\" has to be set!");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("The provided \"URL\" is not valid! (" + e.getMessage() + ")");
        }
        if (!uri.isAbsolute() || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "The provided \"URL\" is not valid! Give an absolute http or https URL; got \"" + url + "\"");
        }
        if (p.path("options").path("ignoreSSL").asBoolean(false)) {
            throw new IllegalArgumentException("options.ignoreSSL is refused: nLink always verifies certificates,"
                    + " as HTTP Request does; remove the option (or give the server a valid certificate)");
        }
        List<String> custom = Fields.list(p.path("options").path("customFields"));
        GuardedHttp.Response response;
        try {
            response = http.send(
                    new GuardedHttp.Request(
                            "GET",
                            uri,
                            List.of(new GuardedHttp.Header(
                                    "Accept", version >= 1.2 ? FEED_ACCEPT : "application/rss+xml")),
                            null,
                            Set.of()),
                    TIMEOUT,
                    new GuardedHttp.Redirects(true, MAX_REDIRECTS));
        } catch (GuardedHttp.HttpFailure e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (response.status() < 200 || response.status() >= 300) {
            throw new IllegalArgumentException(
                    "Status code " + response.status() + " from " + GuardedHttp.shown(response.uri()));
        }
        XmlElement root;
        try {
            root = XmlElement.parse(response.body());
        } catch (XMLStreamException e) {
            throw new IllegalArgumentException(
                    "the feed at " + GuardedHttp.shown(response.uri()) + " is not well-formed XML: " + e.getMessage());
        }
        List<JsonNode> entries = new ArrayList<>();
        switch (root.name) {
            case "rss" -> {
                XmlElement channel = root.child("channel");
                if (channel != null) for (XmlElement e : channel.children("item")) entries.add(rssItem(e, custom));
            }
            case "rdf:RDF" -> {
                for (XmlElement e : root.children("item")) entries.add(rssItem(e, custom));
                XmlElement channel = root.child("channel");
                if (channel != null) for (XmlElement e : channel.children("item")) entries.add(rssItem(e, custom));
            }
            case "feed" -> {
                for (XmlElement e : root.children("entry")) entries.add(atomEntry(e, custom));
            }
            default ->
                throw new IllegalArgumentException("Feed not recognized as RSS 1 or 2, or Atom: the document at "
                        + GuardedHttp.shown(response.uri()) + " starts with <" + root.name + ">");
        }
        return entries;
    }

    private static ObjectNode rssItem(XmlElement e, List<String> custom) {
        ObjectNode item = Json.MAPPER.createObjectNode();
        copy(e, "author", item, "creator");
        copy(e, "dc:creator", item, "creator");
        copy(e, "dc:date", item, "date");
        for (String field : List.of("title", "link", "pubDate", "author")) copy(e, field, item, field);
        XmlElement encoded = e.child("content:encoded");
        if (encoded != null) {
            item.put("content:encoded", encoded.content());
            item.put("content:encodedSnippet", snippet(encoded.content()));
        }
        XmlElement enclosure = e.child("enclosure");
        if (enclosure != null) item.set("enclosure", enclosure.attributes());
        for (String field : List.of("dc:creator", "dc:date", "comments")) copy(e, field, item, field);
        for (String field : custom) copy(e, field, item, field);
        XmlElement description = e.child("description");
        if (description != null) {
            item.put("content", description.content());
            item.put("contentSnippet", snippet(description.content()));
        }
        copy(e, "guid", item, "guid");
        List<XmlElement> categories = e.children("category");
        if (!categories.isEmpty()) {
            ArrayNode list = item.putArray("categories");
            for (XmlElement c : categories) {
                if (c.attributes.isEmpty()) list.add(c.text());
                else list.addObject().put("_", c.text()).set("$", c.attributes());
            }
        }
        isoDate(item);
        return item;
    }

    private static ObjectNode atomEntry(XmlElement e, List<String> custom) {
        ObjectNode item = Json.MAPPER.createObjectNode();
        for (String field : custom) copy(e, field, item, field);
        XmlElement title = e.child("title");
        if (title != null && !title.content().isEmpty()) item.put("title", title.content());
        List<XmlElement> links = e.children("link");
        if (!links.isEmpty()) {
            XmlElement link = links.stream()
                    .filter(l -> "alternate".equals(l.attributes.get("rel")))
                    .findFirst()
                    .orElse(links.get(0));
            if (link.attributes.containsKey("href")) item.put("link", link.attributes.get("href"));
        }
        XmlElement published = e.child("published");
        XmlElement updated = e.child("updated");
        if (published != null && !published.text().isEmpty()) item.put("pubDate", published.text());
        else if (updated != null && !updated.text().isEmpty()) item.put("pubDate", updated.text());
        XmlElement author = e.child("author");
        XmlElement name = author == null ? null : author.child("name");
        if (name != null) item.put("author", name.text());
        XmlElement content = e.child("content");
        if (content != null) {
            item.put("content", content.content());
            item.put("contentSnippet", snippet(content.content()));
        }
        XmlElement summary = e.child("summary");
        if (summary != null) item.put("summary", summary.content());
        XmlElement id = e.child("id");
        if (id != null) item.put("id", id.text());
        isoDate(item);
        return item;
    }

    private static void copy(XmlElement from, String name, ObjectNode to, String key) {
        XmlElement e = from.child(name);
        if (e != null) to.put(key, e.content());
    }

    private static final Pattern BLOCK_TAG =
            Pattern.compile("([^\\n])</?(h|br|p|ul|ol|li|blockquote|section|table|tr|div)[\\s\\S]*?>([^\\n])");
    private static final Pattern ANY_TAG = Pattern.compile("<[\\s\\S]*?>");

    /** The text of some HTML as rss-parser's snippet gives it: block tags as line breaks, other tags gone, entities decoded. */
    static String snippet(String html) {
        String lines = BLOCK_TAG.matcher(html).replaceAll("$1\n$3");
        String text = ANY_TAG.matcher(lines).replaceAll("");
        return org.jsoup.parser.Parser.unescapeEntities(text, false).strip();
    }

    /** isoDate from pubDate (or dc:date), in UTC with milliseconds as JavaScript writes it; none when unreadable. */
    private static void isoDate(ObjectNode item) {
        String date = item.path("pubDate").asText(item.path("date").asText(""));
        if (date.isBlank()) return;
        Instant at = FeedDates.parse(date.strip());
        if (at != null) item.put("isoDate", ISO_MILLIS.format(at));
    }

    /** The dates feeds carry: RFC 822 (RSS, day name optional and unchecked) and ISO 8601 (Atom, Dublin Core). */
    static final class FeedDates {
        private static final Pattern RFC_822 = Pattern.compile(
                "^(?:[A-Za-z]+,?\\s*)?(\\d{1,2})\\s+([A-Za-z]{3})[A-Za-z]*\\.?\\s+(\\d{2,4})\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?\\s*(.*)$");
        private static final Map<String, String> ZONES = Map.of(
                "EST", "-05:00", "EDT", "-04:00", "CST", "-06:00", "CDT", "-05:00", "MST", "-07:00", "MDT", "-06:00",
                "PST", "-08:00", "PDT", "-07:00");
        private static final List<String> MONTHS =
                List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");

        private FeedDates() {}

        static Instant parse(String text) {
            try {
                Matcher m = RFC_822.matcher(text);
                if (m.matches()) {
                    int month = MONTHS.indexOf(m.group(2).toLowerCase(Locale.ROOT)) + 1;
                    if (month == 0) return null;
                    int year = Integer.parseInt(m.group(3));
                    if (m.group(3).length() == 2) year += year < 50 ? 2000 : 1900;
                    ZoneId zone = zone(m.group(7).strip());
                    if (zone == null) return null;
                    return ZonedDateTime.of(
                                    year,
                                    month,
                                    Integer.parseInt(m.group(1)),
                                    Integer.parseInt(m.group(4)),
                                    Integer.parseInt(m.group(5)),
                                    m.group(6) == null ? 0 : Integer.parseInt(m.group(6)),
                                    0,
                                    zone)
                            .toInstant();
                }
                return java.time.OffsetDateTime.parse(text).toInstant();
            } catch (java.time.DateTimeException | NumberFormatException e) {
                try {
                    // An ISO date without an offset is UTC for a date alone, as JavaScript reads it.
                    return java.time.LocalDate.parse(text)
                            .atStartOfDay(ZoneId.of("UTC"))
                            .toInstant();
                } catch (java.time.DateTimeException notADate) {
                    return null;
                }
            }
        }

        private static ZoneId zone(String text) {
            String upper = text.toUpperCase(Locale.ROOT);
            if (upper.isEmpty()
                    || upper.equals("GMT")
                    || upper.equals("UT")
                    || upper.equals("UTC")
                    || upper.equals("Z")) return ZoneId.of("UTC");
            if (ZONES.containsKey(upper)) return ZoneId.of(ZONES.get(upper));
            Matcher offset =
                    Pattern.compile("^(?:GMT|UTC)?([+-])(\\d{2}):?(\\d{2})$").matcher(upper);
            if (offset.matches()) return ZoneId.of(offset.group(1) + offset.group(2) + ":" + offset.group(3));
            return null;
        }
    }

    /**
     * A parsed XML element: its qualified name as written ("dc:creator"), attributes, and what it
     * holds in order (text and elements). Built and written back without recursion, from a
     * reader that reads no DTD and fetches nothing.
     */
    static final class XmlElement {
        final String name;
        final Map<String, String> attributes = new LinkedHashMap<>();
        final List<XmlElement> children = new ArrayList<>();
        /** Text (String, CDATA included) and child elements, in document order. */
        private final List<Object> nodes = new ArrayList<>();

        XmlElement(String name) {
            this.name = name;
        }

        XmlElement child(String qualified) {
            for (XmlElement c : children) if (c.name.equals(qualified)) return c;
            return null;
        }

        List<XmlElement> children(String qualified) {
            return children.stream().filter(c -> c.name.equals(qualified)).toList();
        }

        /** The element's own text (CDATA included). */
        String text() {
            StringBuilder out = new StringBuilder();
            for (Object n : nodes) if (n instanceof String t) out.append(t);
            return out.toString();
        }

        /** Its text, or, when it holds elements (inline XHTML), its inner markup. */
        String content() {
            if (children.isEmpty()) return text();
            StringBuilder out = new StringBuilder();
            // Each entry: a node to write, or the end tag to write after an element's content.
            ArrayDeque<Object> todo = new ArrayDeque<>();
            for (int i = nodes.size() - 1; i >= 0; i--) todo.push(nodes.get(i));
            while (!todo.isEmpty()) {
                Object n = todo.pop();
                if (n instanceof String t) out.append(escape(t));
                else if (n instanceof EndTag end)
                    out.append("</").append(end.name()).append('>');
                else if (n instanceof XmlElement e) {
                    out.append('<').append(e.name);
                    e.attributes.forEach((k, v) -> out.append(' ')
                            .append(k)
                            .append("=\"")
                            .append(escape(v))
                            .append('"'));
                    out.append('>');
                    todo.push(new EndTag(e.name));
                    for (int i = e.nodes.size() - 1; i >= 0; i--) todo.push(e.nodes.get(i));
                }
            }
            return out.toString();
        }

        private record EndTag(String name) {}

        ObjectNode attributes() {
            ObjectNode out = Json.MAPPER.createObjectNode();
            attributes.forEach(out::put);
            return out;
        }

        static XmlElement parse(byte[] document) throws XMLStreamException {
            XMLInputFactory factory = XMLInputFactory.newFactory();
            // Hostile XML: no DTD, no external entity or DTD fetched, entity references left unexpanded.
            factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
            factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
            factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
            factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
            XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(document));
            ArrayDeque<XmlElement> open = new ArrayDeque<>();
            XmlElement root = null;
            try {
                while (reader.hasNext()) {
                    int event = reader.next();
                    switch (event) {
                        case XMLStreamConstants.DTD -> {
                            if (reader.getText().contains("<!ENTITY"))
                                throw new XMLStreamException("the document declares entities in its DTD, which nLink"
                                        + " never reads (they can fetch files and URLs or expand without bound)");
                        }
                        case XMLStreamConstants.ENTITY_REFERENCE ->
                            throw new XMLStreamException("the entity &" + reader.getLocalName()
                                    + "; is not one of XML's own and no DTD is read to define it");
                        case XMLStreamConstants.START_ELEMENT -> {
                            XmlElement e = new XmlElement(qualified(reader.getPrefix(), reader.getLocalName()));
                            for (int a = 0; a < reader.getAttributeCount(); a++) {
                                e.attributes.put(
                                        qualified(reader.getAttributePrefix(a), reader.getAttributeLocalName(a)),
                                        reader.getAttributeValue(a));
                            }
                            XmlElement parent = open.peek();
                            if (parent != null) {
                                parent.children.add(e);
                                parent.nodes.add(e);
                            } else root = e;
                            open.push(e);
                        }
                        case XMLStreamConstants.END_ELEMENT -> open.pop();
                        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                            XmlElement at = open.peek();
                            if (at != null) at.nodes.add(reader.getText());
                        }
                        default -> {}
                    }
                }
            } finally {
                reader.close();
            }
            if (root == null) throw new XMLStreamException("the document has no root element");
            return root;
        }

        private static String qualified(String prefix, String local) {
            return prefix == null || prefix.isEmpty() ? local : prefix + ":" + local;
        }

        private static String escape(String s) {
            return s.replace("&", "&amp;")
                    .replace("<", "&lt;")
                    .replace(">", "&gt;")
                    .replace("\"", "&quot;");
        }
    }
}
