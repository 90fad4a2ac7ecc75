package io.nlink.workflow.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;

/** An expression template split into literal text and {@code {{ code }}} parts. */
record Template(String source, List<String> literals, List<String> codes) {

    /** "Hi {{ $json.name }}!" → literals ["Hi ", "!"], codes [" $json.name "]; literals has one more entry than codes. */
    static Template parse(String source) {
        List<String> literals = new ArrayList<>();
        List<String> codes = new ArrayList<>();
        int at = 0;
        while (true) {
            int open = source.indexOf("{{", at);
            int close = open < 0 ? -1 : source.indexOf("}}", open + 2);
            if (open < 0 || close < 0) {
                literals.add(source.substring(at));
                break;
            }
            literals.add(source.substring(at, open));
            codes.add(source.substring(open + 2, close));
            at = close + 2;
        }
        return new Template(source, literals, codes);
    }

    /** The value: the part itself when the template is one {{ }} and nothing else, else the joined text. */
    JsonNode render(List<JsonNode> values) {
        if (codes.size() == 1 && literals.get(0).isBlank() && literals.get(1).isBlank()) {
            return values.get(0);
        }
        StringBuilder out = new StringBuilder(literals.get(0));
        for (int i = 0; i < codes.size(); i++) {
            JsonNode v = values.get(i);
            out.append(v == null || v.isNull() ? "" : v.isTextual() ? v.asText() : v.toString());
            out.append(literals.get(i + 1));
        }
        return TextNode.valueOf(out.toString());
    }
}
