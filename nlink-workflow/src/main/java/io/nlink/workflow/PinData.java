package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A workflow's pinned node outputs, as n8n keeps them in its export:
 * {@code "pinData": {"Node name": [{"json": {...}}, ...]}}. A pinned node does not run in a
 * manual run from the editor; it passes its pinned items on. Runs started by a webhook or a
 * schedule ignore pins, as n8n's production runs do.
 */
public final class PinData {
    private PinData() {}

    /** Most items pinned on one node: enough to build with, bounded to store and run. */
    public static final int MAX_ITEMS_PER_NODE = 1000;

    /**
     * The pins of {@code definition}, node name → items' JSON; empty when it has none. Each item is
     * n8n's {@code {"json": {...}}}; a bare object is taken as the item's JSON, as older exports wrote it.
     *
     * @throws IllegalArgumentException saying which pin is malformed, and how to mend it
     */
    public static Map<String, List<JsonNode>> of(JsonNode definition) {
        JsonNode pins = definition.path("pinData");
        if (pins.isMissingNode() || pins.isNull()) return Map.of();
        if (!pins.isObject())
            throw new IllegalArgumentException("pinData: expected an object of node name → [{\"json\": {…}}, …]");
        Map<String, List<JsonNode>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> pin : pins.properties()) {
            String where = "pinData[\"" + pin.getKey() + "\"]";
            if (!pin.getValue().isArray())
                throw new IllegalArgumentException(where + ": expected an array of items such as [{\"json\": {…}}]");
            if (pin.getValue().size() > MAX_ITEMS_PER_NODE) {
                throw new IllegalArgumentException(where + ": " + pin.getValue().size() + " items; at most "
                        + MAX_ITEMS_PER_NODE + " may be pinned on a node");
            }
            List<JsonNode> items = new ArrayList<>();
            int i = 0;
            for (JsonNode item : pin.getValue()) {
                JsonNode json = item.has("json") ? item.get("json") : item;
                if (!json.isObject())
                    throw new IllegalArgumentException(
                            where + "[" + i + "]: expected {\"json\": {…}} with a JSON object");
                items.add(json);
                i++;
            }
            out.put(pin.getKey(), List.copyOf(items));
        }
        return out;
    }
}
