package io.nlink.devkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidParamsException;
import io.nlink.runtime.pkg.NodePackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A package's golden vectors, {@code tests/*.json}: each gives params and an input item and the
 * output items expected (or the error expected). They run through the real runtime under the
 * production limits, so passing here means passing in a workflow.
 *
 * <pre>{"params": {"text": "nLink"}, "input": {"a": 1}, "expected": [{"message": "..."}]}
 * {"params": {"text": "fail"}, "input": {}, "expectedError": "refused: text is fail"}</pre>
 */
public final class GoldenVectors {
    public static final String DIRECTORY = "tests";

    private GoldenVectors() {}

    /** One vector's outcome; {@code difference} says what differed, or is null when it passed. */
    public record Outcome(String vector, String difference) {
        public boolean passed() {
            return difference == null;
        }
    }

    /** Runs every vector of the package in {@code packageDir}, in file-name order. */
    public static List<Outcome> run(Path packageDir, NodePackage pkg, NodeExecutable node) throws IOException {
        List<Path> files;
        Path dir = packageDir.resolve(DIRECTORY);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Path file : files) {
            String name = DIRECTORY + "/" + file.getFileName();
            JsonNode vector;
            try {
                vector = Json.parse(Files.readAllBytes(file));
            } catch (IOException e) {
                outcomes.add(new Outcome(name, "is not valid JSON: " + e.getMessage()));
                continue;
            }
            outcomes.add(new Outcome(name, check(vector, pkg, node)));
        }
        return outcomes;
    }

    private static String check(JsonNode vector, NodePackage pkg, NodeExecutable node) {
        JsonNode input = vector.path("input");
        if (!vector.isObject() || !input.isObject() || !(vector.has("expected") || vector.has("expectedError"))) {
            return "expected {\"params\": {...}, \"input\": {...}, \"expected\": [...]} or \"expectedError\": \"...\"";
        }
        ObjectNode params;
        try {
            params = pkg.definition().resolveParams(vector.get("params"));
        } catch (InvalidParamsException e) {
            return String.join("; ", e.problems());
        }
        ItemResult result;
        try (BatchRunner batch = new BatchRunner(node, SandboxLimits.DEFAULTS, params, BatchOptions.DEFAULTS)) {
            result = batch.next(input);
        }
        if (vector.has("expectedError")) {
            String expected = vector.get("expectedError").asText();
            if (result.ok()) {
                return "expected the error \"" + expected + "\" but the node returned " + Json.write(result.items());
            }
            return expected.equals(result.failure().message())
                    ? null
                    : "expected the error \"" + expected + "\" but got "
                            + result.failure().kind() + ": \""
                            + result.failure().message() + "\"";
        }
        if (!result.ok()) {
            return "expected output items but the node failed: " + result.failure();
        }
        JsonNode actual = Json.MAPPER.valueToTree(result.items());
        String where = firstDifference("", vector.get("expected"), actual);
        return where == null
                ? null
                : where + "\n    expected: " + Json.write(vector.get("expected")) + "\n    actual:   "
                        + Json.write(actual);
    }

    /** The path of the first difference and what it is, or null when equal. */
    static String firstDifference(String path, JsonNode expected, JsonNode actual) {
        if (expected.isNumber() && actual.isNumber()) {
            return expected.decimalValue().compareTo(actual.decimalValue()) == 0
                    ? null
                    : at(path) + ": expected " + expected + ", got " + actual;
        }
        if (expected.getNodeType() != actual.getNodeType()) {
            return at(path) + ": expected " + Json.write(expected) + ", got " + Json.write(actual);
        }
        if (expected.isArray()) {
            for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
                String d = firstDifference(path + "[" + i + "]", expected.get(i), actual.get(i));
                if (d != null) return d;
            }
            return expected.size() == actual.size()
                    ? null
                    : at(path) + ": expected " + expected.size() + " element(s), got " + actual.size();
        }
        if (expected.isObject()) {
            for (Map.Entry<String, JsonNode> e : expected.properties()) {
                JsonNode other = actual.get(e.getKey());
                if (other == null) return at(path + "." + e.getKey()) + ": missing";
                String d = firstDifference(path + "." + e.getKey(), e.getValue(), other);
                if (d != null) return d;
            }
            for (Iterator<String> it = actual.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!expected.has(key))
                    return at(path + "." + key) + ": not expected, got " + Json.write(actual.get(key));
            }
            return null;
        }
        return expected.equals(actual)
                ? null
                : at(path) + ": expected " + Json.write(expected) + ", got " + Json.write(actual);
    }

    private static String at(String path) {
        return path.isEmpty() ? "output" : "output" + path;
    }
}
