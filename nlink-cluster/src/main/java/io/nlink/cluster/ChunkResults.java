package io.nlink.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A chunk's answer as it travels back to the batch's coordinator: the items' results in order,
 * what the member's lane spent on instances, or why the member could not run the chunk at all.
 * JSON, since every part of a result already is.
 *
 * @param results       one per item the chunk ran (fewer than it carried when a failure stopped it)
 * @param instances     sandbox instances the member started for this chunk (0 when a pooled one served)
 * @param recycled      instances it replaced because their memory passed the recycle threshold
 * @param instanceNanos time it spent starting them
 * @param member        the member that ran it, as {@code host:port}
 * @param error         why the member could not run the chunk (package not loadable there, …), else null
 */
record ChunkResults(
        List<ItemResult> results, int instances, int recycled, long instanceNanos, String member, String error) {

    static ChunkResults failed(String member, String error) {
        return new ChunkResults(List.of(), 0, 0, 0, member, error);
    }

    byte[] encode() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("member", member);
        if (error != null) {
            root.put("error", error);
            return Json.writeBytes(root);
        }
        root.put("instances", instances).put("recycled", recycled).put("instanceNanos", instanceNanos);
        ArrayNode list = root.putArray("results");
        for (ItemResult r : results) {
            ObjectNode o = list.addObject();
            o.put("index", r.index()).put("runtime", r.runtime());
            o.putArray("items").addAll(r.items());
            if (r.failure() != null) {
                ObjectNode f = o.putObject("failure");
                f.put("kind", r.failure().kind().name())
                        .put("message", r.failure().message());
                if (r.failure().function() != null)
                    f.put("function", r.failure().function());
            }
            o.put("stdout", r.stdout()).put("stderr", r.stderr()).put("logsTruncated", r.logsTruncated());
            o.put("nanos", r.nanos()).put("memoryPages", r.memoryPages());
            if (r.fallbackWhy() != null) o.put("fallbackWhy", r.fallbackWhy());
        }
        return Json.writeBytes(root);
    }

    static ChunkResults decode(byte[] bytes) throws IOException {
        JsonNode root = Json.parse(bytes);
        String member = root.path("member").asText("?");
        if (root.hasNonNull("error")) {
            return failed(member, root.get("error").asText());
        }
        List<ItemResult> results = new ArrayList<>();
        for (JsonNode o : root.path("results")) {
            List<JsonNode> items = new ArrayList<>();
            o.path("items").forEach(items::add);
            NodeFailure failure = null;
            JsonNode f = o.get("failure");
            if (f != null) {
                failure = new NodeFailure(
                        NodeFailure.Kind.valueOf(f.path("kind").asText()),
                        f.path("message").asText(),
                        f.hasNonNull("function") ? f.get("function").asText() : null);
            }
            results.add(new ItemResult(
                    o.path("index").asLong(),
                    o.path("runtime").asText(),
                    items,
                    failure,
                    o.path("stdout").asText(),
                    o.path("stderr").asText(),
                    o.path("logsTruncated").asBoolean(),
                    o.path("nanos").asLong(),
                    o.path("memoryPages").asInt(),
                    o.hasNonNull("fallbackWhy") ? o.get("fallbackWhy").asText() : null));
        }
        return new ChunkResults(
                results,
                root.path("instances").asInt(),
                root.path("recycled").asInt(),
                root.path("instanceNanos").asLong(),
                member,
                null);
    }
}
