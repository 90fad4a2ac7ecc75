package io.nlink.runtime.json;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one JSON mapper of nLink. Every JSON document it reads comes from somebody else (an
 * uploaded package, a guest's result, a user's items), so reading is bounded: nesting depth and
 * string/number sizes are capped, and duplicate keys are an error rather than silently merged.
 * Only RFC 8259 JSON is read: no {@code 1.}-style numbers (which Jackson can be told to allow, and
 * which other readers of the same bytes refuse; ItemCodecFuzzTest found the mismatch).
 */
public final class Json {
    /** Deepest nesting accepted in any document; deeper input is refused, not recursed into. */
    public static final int MAX_NESTING_DEPTH = 256;

    /** Longest single string value, in characters. Guests cannot produce more than 32 MiB anyway. */
    public static final int MAX_STRING_LENGTH = 32 * 1024 * 1024;

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Write emoji and other non-BMP characters as UTF-8, not as \uD83D\uDE80 pairs.
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxStringLength(MAX_STRING_LENGTH)
                        .maxNumberLength(1000)
                        .build());
    }

    private Json() {}

    public static JsonNode parse(byte[] bytes) throws IOException {
        JsonNode tree = MAPPER.readTree(bytes);
        // Jackson 2.21 decodes some invalid UTF-8 instead of refusing it: overlong forms such as
        // C0 AF ('/') and F0 80 9F 9A (which became a broken surrogate pair that the writer then
        // turned into invalid output). Found by ItemCodecFuzzTest (contextOfParsedItems,
        // decodeResultOfAnyBytes). Jackson's own messages are kept for what it does refuse; what
        // it let through is refused here, so "strict UTF-8" holds for every document parsed.
        int bad = StrictUtf8.firstInvalid(bytes);
        if (bad >= 0) {
            throw new JsonParseException(
                    (com.fasterxml.jackson.core.JsonParser) null,
                    "Invalid UTF-8 at byte " + bad + " (0x" + Integer.toHexString(bytes[bad] & 0xFF)
                            + "): an overlong, surrogate or out-of-range encoding");
        }
        return tree;
    }

    public static JsonNode parse(String text) throws IOException {
        return MAPPER.readTree(text);
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass(), e);
        }
    }

    public static byte[] writeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass(), e);
        }
    }

    /** A short, printable excerpt of bytes somebody else produced, for error messages. */
    public static String excerpt(byte[] bytes, int maxChars) {
        String text = new String(bytes, 0, Math.min(bytes.length, maxChars * 4), StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(maxChars).forEach(cp -> {
            if (cp == '\n') out.append("\\n");
            else if (cp == '\r') out.append("\\r");
            else if (cp == '\t') out.append("\\t");
            else if (Character.isISOControl(cp)) out.append(String.format("\\u%04x", cp));
            else out.appendCodePoint(cp);
        });
        if (text.codePointCount(0, text.length()) > maxChars || bytes.length > maxChars * 4) {
            out.append("…");
        }
        return out.toString();
    }
}
