package io.nlink.workflow.nodes;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Regular expressions from workflows, which are hostile input: a pattern that backtracks without
 * end (ReDoS) must not hold a worker thread. Every match runs on a text that gives up once its
 * time is spent, so the node fails with a message instead.
 */
final class BoundedRegex {
    /** Generous for any sane pattern on a field or key; a catastrophic one is stopped here. */
    static final Duration MATCH_TIME = Duration.ofSeconds(1);

    private BoundedRegex() {}

    /** {@code source} compiled, or an IllegalArgumentException naming what is wrong with it. */
    static Pattern compile(String source, int flags) {
        try {
            return Pattern.compile(source, flags);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                    "the regular expression " + source + " is not valid: " + e.getDescription());
        }
    }

    /** A matcher of {@code pattern} on {@code text} that fails once {@link #MATCH_TIME} is spent. */
    static Matcher matcher(Pattern pattern, String text) {
        return pattern.matcher(new Timed(text, pattern.pattern(), System.nanoTime() + MATCH_TIME.toNanos()));
    }

    /**
     * JavaScript's {@code text.replace(regex, replacement)} without the g flag: the first match
     * replaced, {@code $1}/{@code $<name>}/{@code $&}/{@code $$} in the replacement as JavaScript
     * reads them (n8n's nodes are JavaScript).
     */
    static String replaceFirst(Pattern pattern, String text, String replacement) {
        Matcher m = matcher(pattern, text);
        if (!m.find()) return text;
        StringBuilder out = new StringBuilder(text.substring(0, m.start()));
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c != '$' || i + 1 == replacement.length()) {
                out.append(c);
                continue;
            }
            char next = replacement.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i++;
            } else if (next == '&') {
                out.append(m.group());
                i++;
            } else if (next == '`') {
                out.append(text, 0, m.start());
                i++;
            } else if (next == '\'') {
                out.append(text, m.end(), text.length());
                i++;
            } else if (Character.isDigit(next)) {
                // Two digits when that group exists ($12), else one ($1 followed by "2").
                int two = i + 2 < replacement.length() && Character.isDigit(replacement.charAt(i + 2))
                        ? Integer.parseInt(replacement.substring(i + 1, i + 3))
                        : -1;
                int group = two >= 1 && two <= m.groupCount() ? two : next - '0';
                if (group >= 1 && group <= m.groupCount()) {
                    if (m.group(group) != null) out.append(m.group(group));
                    i += group >= 10 ? 2 : 1;
                } else {
                    out.append(c);
                }
            } else if (next == '<' && replacement.indexOf('>', i) > 0) {
                int close = replacement.indexOf('>', i);
                String name = replacement.substring(i + 2, close);
                try {
                    String value = m.group(name);
                    if (value != null) out.append(value);
                    i = close;
                } catch (IllegalArgumentException noSuchGroup) {
                    out.append(c);
                }
            } else {
                out.append(c);
            }
        }
        return out.append(text, m.end(), text.length()).toString();
    }

    /** Text whose every read checks the clock: the only way to stop java.util.regex mid-match. */
    private record Timed(String text, String pattern, long deadline) implements CharSequence {
        @Override
        public char charAt(int index) {
            if (System.nanoTime() > deadline)
                throw new IllegalArgumentException("the regular expression " + pattern + " took more than "
                        + MATCH_TIME.toSeconds() + " s on a text of " + text.length()
                        + " characters; simplify it (nested repetition such as (a+)+ backtracks without end)");
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Timed(text.substring(start, end), pattern, deadline);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
