package io.nlink.runtime.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON trees built from fuzzer input, shaped like what the host can hold (finite numbers only). */
final class FuzzJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private FuzzJson() {}

    static ObjectNode object(FuzzedDataProvider data, int depth) {
        ObjectNode o = NODES.objectNode();
        int members = data.consumeInt(0, depth > 0 ? 4 : 0);
        for (int i = 0; i < members && data.remainingBytes() > 0; i++) {
            o.set(data.consumeString(12), value(data, depth - 1));
        }
        return o;
    }

    static JsonNode value(FuzzedDataProvider data, int depth) {
        int kind = data.consumeInt(0, depth > 0 ? 8 : 6);
        return switch (kind) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(data.consumeBoolean());
            case 2 -> NODES.numberNode(data.consumeInt());
            case 3 -> {
                // as a parser would build it: IntNode when the value fits an int (JsonNode
                // equality is type-sensitive; found by resultRoundTrip's first fuzz run)
                long l = data.consumeLong();
                yield l == (int) l ? NODES.numberNode((int) l) : NODES.numberNode(l);
            }
            case 4 -> {
                double d = data.consumeRegularDouble();
                yield NODES.numberNode(d);
            }
            case 5, 6 -> NODES.textNode(data.consumeString(40));
            case 7 -> {
                ArrayNode a = NODES.arrayNode();
                int n = data.consumeInt(0, 4);
                for (int i = 0; i < n && data.remainingBytes() > 0; i++) a.add(value(data, depth - 1));
                yield a;
            }
            default -> object(data, depth);
        };
    }
}
