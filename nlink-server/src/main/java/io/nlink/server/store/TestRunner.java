package io.nlink.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.batch.BatchSummary;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidParamsException;
import io.nlink.server.refusal.BadInput;
import io.nlink.server.refusal.Busy;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The node page's test-run panel: one batch of a few items through an installed version, under
 * the production sandbox limits, with everything the panel shows — output items per input item,
 * per-item errors, captured logs, the runtime that ran, time per item and peak guest memory.
 */
public final class TestRunner {
    private final NodeStore store;
    private final SandboxLimits limits;
    private final int maxItems;
    /** Test runs at once: each holds a sandbox; more wait briefly, then get 429. */
    private final Semaphore slots =
            new Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors()));

    public TestRunner(NodeStore store, SandboxLimits limits, int maxItems) {
        this.store = store;
        this.limits = limits;
        this.maxItems = maxItems;
    }

    public ObjectNode run(String name, String version, JsonNode request) throws SQLException, InterruptedException {
        if (request == null || !request.isObject())
            throw new BadInput("expected a JSON object {\"params\": {...}, \"items\": [{...}]}");
        JsonNode items = request.path("items");
        if (items.isMissingNode()) items = Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode());
        if (!items.isArray()) throw new BadInput("items: expected an array of JSON objects");
        if (items.size() > maxItems)
            throw new BadInput("items: " + items.size() + " items; a test run takes at most " + maxItems);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (!items.get(i).isObject()) problems.add("items[" + i + "]: expected a JSON object (an item's json)");
        }
        if (!problems.isEmpty()) throw new BadInput("the items are not valid: " + problems.get(0), problems);
        boolean continueOnFail = request.path("continueOnFail").asBoolean(true);

        NodeStore.Version v = store.require(name, version);
        LoadedNodes.Loaded loaded = store.load(v);
        ObjectNode params;
        try {
            params = loaded.pkg().definition().resolveParams(request.get("params"));
        } catch (InvalidParamsException e) {
            throw new BadInput("the parameters are not valid: " + e.problems().get(0), e.problems());
        }
        if (!slots.tryAcquire(5, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new Busy("every test-run slot is busy; try again in a moment");
        }
        try {
            return runBatch(loaded, params, (ArrayNode) items, continueOnFail);
        } finally {
            slots.release();
        }
    }

    private ObjectNode runBatch(LoadedNodes.Loaded loaded, ObjectNode params, ArrayNode items, boolean continueOnFail) {
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("runtime", loaded.choice().runtime());
        response.put("fallbackReason", loaded.choice().fallbackWhy());
        response.set("params", params);
        ArrayNode results = response.putArray("results");
        BatchOptions options = BatchOptions.DEFAULTS.withContinueOnFail(continueOnFail);
        BatchSummary summary;
        boolean completed;
        long started = System.nanoTime();
        try (BatchRunner batch = loaded.choice().batch(params, options, limits)) {
            List<JsonNode> input = new ArrayList<>();
            items.forEach(input::add);
            completed = batch.run(input.iterator(), result -> results.add(resultJson(result)));
            summary = batch.summary();
        }
        ObjectNode s = response.putObject("summary");
        s.put("completed", completed);
        s.put("itemsIn", summary.itemsIn());
        s.put("itemsOut", summary.itemsOut());
        s.put("failures", summary.failures());
        s.put("fallbacks", summary.fallbacks());
        s.put("microsPerItem", Math.round(summary.microsPerItem() * 10) / 10.0);
        s.put("instanceMillis", Math.round(summary.instanceNanos() / 100_000.0) / 10.0);
        s.put("totalMillis", Math.round((System.nanoTime() - started) / 100_000.0) / 10.0);
        s.put("peakMemoryBytes", (long) summary.peakMemoryPages() * SandboxLimits.PAGE_SIZE);
        s.put("memoryCapBytes", (long) summary.memoryCapPages() * SandboxLimits.PAGE_SIZE);
        return response;
    }

    private static ObjectNode resultJson(ItemResult result) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("index", result.index());
        r.put("ok", result.ok());
        r.put("runtime", result.runtime());
        if (result.fallbackWhy() != null) r.put("fallbackReason", result.fallbackWhy());
        ArrayNode out = r.putArray("items");
        result.items().forEach(out::add);
        if (!result.ok()) {
            r.put("error", result.failure().message());
            r.put("errorKind", result.failure().kind().name());
        }
        r.put("stdout", result.stdout());
        r.put("stderr", result.stderr());
        r.put("logsTruncated", result.logsTruncated());
        r.put("micros", Math.round(result.nanos() / 100.0) / 10.0);
        r.put("memoryBytes", (long) result.memoryPages() * SandboxLimits.PAGE_SIZE);
        return r;
    }
}
