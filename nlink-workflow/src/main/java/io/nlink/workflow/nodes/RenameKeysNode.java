package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Rename Keys (n8n-nodes-base.renameKeys, version 1): each item's fields renamed, in order, by
 * {@code keys.key[{currentKey, newKey}]} (dotted paths reach into objects; a key left blank, equal
 * to the new one, or absent from the item is skipped; the value is read from the item as it came
 * in), then by {@code additionalOptions.regexReplacement.replacements[{searchRegex, replaceRegex,
 * options: {caseInsensitive, depth}}]}: every key matching the expression, at any depth (or down
 * to {@code depth}; 0 is the top level only), has its first match replaced, {@code $1} and
 * {@code $<name>} naming groups as in JavaScript. Expressions are bounded in time
 * ({@link BoundedRegex}).
 */
final class RenameKeysNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        run.eachItem(run.input(0), outputs, (index, item, params) -> {
            JsonNode in = item.json();
            ObjectNode out = in.isObject() ? ((ObjectNode) in).deepCopy() : Json.MAPPER.createObjectNode();
            for (JsonNode key : params.path("keys").path("key")) {
                String current = key.path("currentKey").asText(""),
                        renamed = key.path("newKey").asText("");
                if (current.isEmpty() || renamed.isEmpty() || current.equals(renamed)) continue;
                JsonNode value = Fields.get(in, current, true);
                if (value.isMissingNode()) continue;
                Fields.put(out, renamed, value.deepCopy(), true);
                Fields.remove(out, current, true);
            }
            for (JsonNode replacement :
                    params.path("additionalOptions").path("regexReplacement").path("replacements")) {
                String search = replacement.path("searchRegex").asText("");
                JsonNode options = replacement.path("options");
                Pattern regex = BoundedRegex.compile(
                        search, options.path("caseInsensitive").asBoolean(false) ? Pattern.CASE_INSENSITIVE : 0);
                // n8n reads a depth it was not given as no limit, as it does -1.
                int depth = options.path("depth").canConvertToInt()
                        ? options.path("depth").asInt()
                        : -1;
                renameMatching(out, regex, replacement.path("replaceRegex").asText(""), depth);
            }
            outputs.get(0).add(run.item(out, item));
        });
        return outputs;
    }

    /** Renames the keys of {@code node} and of what it holds, children first, down to {@code depth} levels below. */
    private static void renameMatching(JsonNode node, Pattern regex, String replacement, int depth) {
        if (node instanceof ArrayNode array) {
            if (depth != 0) array.forEach(element -> renameMatching(element, regex, replacement, depth - 1));
            return;
        }
        if (!(node instanceof ObjectNode object)) return;
        List<String> keys = new ArrayList<>();
        object.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            JsonNode value = object.get(key);
            // A key an earlier rename of this level replaced is gone: as in n8n, it is not visited.
            if (value == null) continue;
            if (depth != 0 && value.isContainerNode()) renameMatching(value, regex, replacement, depth - 1);
            String renamed = BoundedRegex.replaceFirst(regex, key, replacement);
            if (!renamed.equals(key)) {
                object.remove(key);
                object.set(renamed, value);
            }
        }
    }
}
