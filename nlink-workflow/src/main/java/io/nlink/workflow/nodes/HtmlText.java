package io.nlink.workflow.nodes;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;

/**
 * The plain text of an element as n8n's HTML node 1.2 gives it (n8n renders with the html-to-text
 * library's defaults): blocks on their own lines (paragraphs, headings, lists and tables
 * separated by a blank line), headings in capitals, links as {@code text [URL]}, images as
 * {@code alt [src]}, whitespace collapsed, lines wrapped at 80 columns; the head, scripts and
 * styles left out. Written for nLink from that behaviour; formatting beyond these rules (table
 * layout, pre-formatted text) may differ.
 *
 * <p>The walk is iterative ({@link NodeFilter}), so a deeply nested hostile page cannot exhaust
 * the stack.
 */
final class HtmlText {
    static final int WRAP_COLUMNS = 80;

    /** Line breaks before and after a block: {leading, trailing}. */
    private static final Map<String, int[]> BLOCKS = blocks();

    private static final Set<String> LEFT_OUT =
            Set.of("head", "title", "script", "style", "template", "noscript", "iframe", "object", "svg", "math");

    /** html-to-text's whitespace: no-break spaces are kept. */
    private static final String WHITESPACE = " \t\r\n\f\u200b";

    private HtmlText() {}

    private static Map<String, int[]> blocks() {
        Map<String, int[]> b = new java.util.HashMap<>();
        for (String tag : List.of("p", "blockquote", "pre", "ul", "ol", "table", "hr")) b.put(tag, new int[] {2, 2});
        for (String tag : List.of("h1", "h2", "h3", "h4", "h5", "h6")) b.put(tag, new int[] {3, 2});
        for (String tag : List.of(
                "div",
                "li",
                "tr",
                "article",
                "section",
                "header",
                "footer",
                "main",
                "nav",
                "aside",
                "figure",
                "figcaption",
                "form",
                "address",
                "dl",
                "dt",
                "dd",
                "fieldset",
                "caption")) b.put(tag, new int[] {1, 1});
        return Map.copyOf(b);
    }

    /** The text of {@code root}'s content, leaving out every element in {@code skipped} (and what it holds). */
    static String render(Element root, List<Element> skipped) {
        Set<Element> skip = Collections.newSetFromMap(new IdentityHashMap<>());
        skip.addAll(skipped);
        Writer writer = new Writer();
        root.filter(new NodeFilter() {
            @Override
            public FilterResult head(Node node, int depth) {
                if (node == root) return FilterResult.CONTINUE;
                if (node instanceof TextNode text) {
                    writer.text(text.getWholeText());
                    return FilterResult.CONTINUE;
                }
                if (!(node instanceof Element e)) return FilterResult.CONTINUE;
                String tag = e.normalName();
                if (skip.contains(e) || LEFT_OUT.contains(tag)) return FilterResult.SKIP_ENTIRELY;
                int[] block = BLOCKS.get(tag);
                if (block != null) writer.blockStart(block[0]);
                switch (tag) {
                    case "br" -> writer.lineBreak();
                    case "hr" -> writer.word("-".repeat(40));
                    case "img" -> {
                        String alt = e.attr("alt"), src = e.attr("src");
                        writer.word(src.isEmpty() ? alt : alt.isEmpty() ? "[" + src + "]" : alt + " [" + src + "]");
                    }
                    case "li" -> {
                        Element list = e.parent();
                        writer.word(
                                list != null && list.normalName().equals("ol")
                                        ? (e.elementSiblingIndex() + 1) + "."
                                        : "*");
                        writer.space();
                    }
                    case "h1", "h2", "h3", "h4", "h5", "h6" -> writer.uppercase++;
                    default -> {}
                }
                return FilterResult.CONTINUE;
            }

            @Override
            public FilterResult tail(Node node, int depth) {
                if (!(node instanceof Element e) || node == root) return FilterResult.CONTINUE;
                String tag = e.normalName();
                if (tag.equals("a")) {
                    String href = e.attr("href");
                    if (href.startsWith("mailto:")) href = href.substring("mailto:".length());
                    if (!href.isEmpty() && !href.startsWith("#")) writer.word("[" + href + "]");
                }
                if (tag.matches("h[1-6]")) writer.uppercase--;
                int[] block = BLOCKS.get(tag);
                if (block != null) writer.blockEnd(block[1]);
                return FilterResult.CONTINUE;
            }
        });
        writer.flush();
        return writer.out.toString();
    }

    /** Collects inline text into lines and lines into blocks, merging the breaks between blocks. */
    private static final class Writer {
        final StringBuilder out = new StringBuilder();
        final StringBuilder inline = new StringBuilder();
        int pendingBreaks;
        int uppercase;

        void text(String raw) {
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (WHITESPACE.indexOf(c) >= 0) space();
                else inline.append(uppercase > 0 ? Character.toUpperCase(c) : c);
            }
        }

        void space() {
            if (!inline.isEmpty()
                    && inline.charAt(inline.length() - 1) != ' '
                    && inline.charAt(inline.length() - 1) != '\n') inline.append(' ');
        }

        /** Text that stands as a word of its own (an image's, a link's URL): spaced from what precedes it. */
        void word(String text) {
            if (text.isEmpty()) return;
            space();
            inline.append(uppercase > 0 ? text.toUpperCase(Locale.ROOT) : text);
        }

        void lineBreak() {
            inline.append('\n');
        }

        void blockStart(int leading) {
            flush();
            if (!out.isEmpty()) pendingBreaks = Math.max(pendingBreaks, leading);
        }

        void blockEnd(int trailing) {
            flush();
            if (!out.isEmpty()) pendingBreaks = Math.max(pendingBreaks, trailing);
        }

        /** Writes the inline text gathered since the last block boundary, wrapped, after the breaks owed. */
        void flush() {
            String[] lines = inline.toString().split("\n", -1);
            inline.setLength(0);
            StringBuilder block = new StringBuilder();
            int blankLines = 0;
            for (String line : lines) {
                String trimmed = line.strip();
                if (trimmed.isEmpty()) {
                    if (!block.isEmpty()) blankLines++;
                    continue;
                }
                if (!block.isEmpty()) block.append("\n".repeat(1 + blankLines));
                blankLines = 0;
                wrap(trimmed, block);
            }
            if (block.isEmpty()) return;
            if (!out.isEmpty()) out.append("\n".repeat(Math.max(1, pendingBreaks)));
            pendingBreaks = 0;
            out.append(block);
        }

        /** Greedy wrapping at {@link #WRAP_COLUMNS}; a word longer than a line stays whole. */
        private static void wrap(String line, StringBuilder to) {
            int column = 0;
            for (String word : line.split(" ")) {
                if (word.isEmpty()) continue;
                if (column > 0 && column + 1 + word.length() > WRAP_COLUMNS) {
                    to.append('\n');
                    column = 0;
                } else if (column > 0) {
                    to.append(' ');
                    column++;
                }
                to.append(word);
                column += word.length();
            }
        }
    }
}
