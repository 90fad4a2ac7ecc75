package io.nlink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The benchmark nodes' logic written in plain Java: what the host would cost with no sandbox at
 * all. Each goes through the same context JSON round trip as a guest (encode the context, parse
 * it, build the result, decode it), so the comparison isolates the sandbox.
 */
final class NativeNodes {
    private NativeNodes() {}

    interface Node {
        String name();

        List<JsonNode> apply(ObjectNode params, JsonNode item);
    }

    static Node of(String name) {
        return switch (name) {
            case "hello" -> new Hello();
            case "sha256" -> new Sha256Rounds();
            default -> throw new IllegalArgumentException("unknown native node " + name + "; expected hello or sha256");
        };
    }

    /** The seed's hello node: greet params.text, pass the item through. */
    static final class Hello implements Node {
        @Override
        public String name() {
            return "hello";
        }

        @Override
        public List<JsonNode> apply(ObjectNode params, JsonNode item) {
            JsonNode context = parse(ItemCodec.encodeContext(params, item));
            String text = context.path("params").path("text").asText("World");
            ObjectNode json = Json.MAPPER.createObjectNode();
            json.put("wasm_processed", true);
            json.put("message", "Hello, " + text + "! Greetings from WebAssembly Runtime! 🚀");
            json.set("original_data", context.get("$json"));
            return decode(json);
        }
    }

    /** bench/nodes/sha256-c: SHA-256 of text + the item's JSON, then of each digest, rounds times. */
    static final class Sha256Rounds implements Node {
        @Override
        public String name() {
            return "sha256";
        }

        @Override
        public List<JsonNode> apply(ObjectNode params, JsonNode item) {
            JsonNode context = parse(ItemCodec.encodeContext(params, item));
            String text = context.path("params").path("text").asText("nLink");
            int rounds = context.path("params").path("rounds").asInt(1000);
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] digest = sha.digest((text + Json.write(context.get("$json"))).getBytes(StandardCharsets.UTF_8));
                for (int i = 1; i < rounds; i++) {
                    digest = sha.digest(digest);
                }
                ObjectNode json = Json.MAPPER.createObjectNode();
                json.put("sha256", HexFormat.of().formatHex(digest));
                json.put("rounds", rounds);
                return decode(json);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return Json.parse(bytes);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Serialises [{"json": ...}] and decodes it the way the host decodes a guest's result. */
    private static List<JsonNode> decode(ObjectNode json) {
        ObjectNode wrapper = Json.MAPPER.createObjectNode();
        wrapper.set("json", json);
        byte[] bytes = Json.writeBytes(List.of(wrapper));
        return ((ItemCodec.Items) ItemCodec.decodeResult(bytes)).items();
    }
}
