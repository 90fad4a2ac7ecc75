package io.nlink.runtime.text;

/**
 * Makes control characters in untrusted text visible instead of acted on. Text from users and
 * guests reaches two readers that obey control characters: a log, where a newline forges a whole
 * entry, and a terminal, where an escape sequence clears the screen, moves the cursor, retitles
 * the window or rewrites what was printed before.
 *
 * <p>Escaped: C0 controls (U+0000-U+001F), DEL (U+007F), C1 controls (U+0080-U+009F), the
 * Unicode line and paragraph separators (U+2028, U+2029) and the bidirectional overrides and
 * isolates (U+202A-U+202E, U+2066-U+2069), which reorder what a reader sees. Each becomes
 * {@code \x1b} (below U+0100) or {@code \u202e}; a backslash stays as it is, so the escaping is
 * for reading, not for decoding back.
 */
public final class Visible {
    private Visible() {}

    /**
     * For one log entry: every control character escaped, newlines and tabs too, so a value can
     * never start a line of its own; {@code null} becomes {@code "null"}.
     */
    public static String inLog(Object value) {
        return escape(String.valueOf(value), false);
    }

    /** {@link #inLog} cut to {@code maxChars} characters of the original, marked with an ellipsis when cut. */
    public static String inLog(Object value, int maxChars) {
        String text = String.valueOf(value);
        return text.length() <= maxChars ? inLog(text) : inLog(text.substring(0, maxChars)) + "…";
    }

    /**
     * For printing many lines to a terminal: newlines and tabs are kept (a guest's output has lines),
     * every other control character is escaped, carriage return and escape included.
     */
    public static String onTerminal(String text) {
        return escape(text, true);
    }

    private static String escape(String text, boolean keepLines) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean kept = !isControl(c) || (keepLines && (c == '\n' || c == '\t'));
            if (kept) {
                if (out != null) out.append(c);
                continue;
            }
            if (out == null) out = new StringBuilder(text.length() + 16).append(text, 0, i);
            if (c < 0x100) out.append(String.format("\\x%02x", (int) c));
            else out.append(String.format("\\u%04x", (int) c));
        }
        return out == null ? text : out.toString();
    }

    private static boolean isControl(char c) {
        return c < 0x20
                || (c >= 0x7f && c <= 0x9f)
                || c == 0x2028
                || c == 0x2029
                || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069);
    }
}
