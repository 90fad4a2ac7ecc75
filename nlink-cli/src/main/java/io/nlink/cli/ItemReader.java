package io.nlink.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.json.StrictUtf8;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Streams input items from a JSON array or from NDJSON (any whitespace-separated sequence of JSON
 * values), one at a time, so a batch of any size is never held in memory whole. Each item is
 * either n8n-style {@code {"json": {...}}} or a bare object, which becomes the item's json.
 */
final class ItemReader implements Iterator<JsonNode>, AutoCloseable {
    /** The keys of an n8n-style item; an object with other keys is a bare item. */
    private static final java.util.Set<String> ITEM_KEYS = java.util.Set.of("json", "binary", "pairedItem");

    /** Reads one value off a shared parser: more values after it are the point, not an error. */
    private static final ObjectReader STREAMING =
            Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final JsonParser parser;
    private final String source;
    private final boolean array;
    private long index;
    private JsonNode next;
    private boolean done;

    ItemReader(InputStream in, String source) throws IOException {
        this.source = source;
        try {
            // Checked as it streams: Jackson alone lets some ill-formed UTF-8 through (Json.parse).
            // Creating the parser already reads the first block, to detect the encoding.
            this.parser = Json.MAPPER.getFactory().createParser(StrictUtf8.checking(new BufferedInputStream(in)));
            JsonToken first = parser.nextToken();
            this.array = first == JsonToken.START_ARRAY;
            if (first == null) {
                done = true;
            } else if (!array) {
                next = readItem(); // the first value of an NDJSON stream is already under the parser
            }
        } catch (StrictUtf8.Malformed e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean hasNext() {
        if (next != null) return true;
        if (done) return false;
        try {
            JsonToken token = parser.nextToken();
            if (token == null || (array && token == JsonToken.END_ARRAY)) {
                done = true;
                return false;
            }
            next = readItem();
            return true;
        } catch (StrictUtf8.Malformed e) {
            // The parser reads ahead by blocks, so the byte offset is exact and the item number would not be.
            throw new UncheckedIOException(source + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": item " + index + ": " + e.getMessage(), e);
        }
    }

    @Override
    public JsonNode next() {
        if (!hasNext()) throw new NoSuchElementException();
        JsonNode item = next;
        next = null;
        return item;
    }

    private JsonNode readItem() throws IOException {
        long at = index++;
        JsonNode value = STREAMING.readTree(parser);
        if (value == null || !value.isObject()) {
            throw new IOException(source + ": item " + at + " is "
                    + (value == null
                            ? "missing"
                            : "a JSON " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
                    + "; each item must be an object, either {\"json\": {...}} or the json object itself");
        }
        JsonNode json = value.get("json");
        boolean n8nItem = json != null && json.isObject();
        for (var names = value.fieldNames(); n8nItem && names.hasNext(); ) {
            n8nItem = ITEM_KEYS.contains(names.next());
        }
        return n8nItem ? json : value;
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
