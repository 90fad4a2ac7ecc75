package io.nlink.workflow.expr;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.JavaScript;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints what n8n's extension functions ({@link Extensions}) cost an expression (a measurement,
 * not a test; docs/performance.md says how to run it): a new evaluator context, plain against one
 * that loads them (once per context, which the pool then keeps), and a run of a Set node's one
 * expression over 100 items on a kept context, for a plain expression and ones that call them.
 */
public final class ExpressionCost {
    private ExpressionCost() {}

    private static final int ITEMS = 100;

    private static double millis(JavaScript js, String expression, List<Item> items) {
        ObjectNode params = Json.MAPPER.createObjectNode().put("v", "=" + expression);
        long start = System.nanoTime();
        List<Expressions.Resolved> resolved =
                new Expressions(js, SandboxLimits.DEFAULTS).resolve(params, items, Map.of());
        double took = (System.nanoTime() - start) / 1e6;
        if (resolved.get(0).failure() != null)
            throw new IllegalStateException(resolved.get(0).failure().message());
        return took;
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        try (NodeRuntime runtime = NodeRuntime.builder().build()) {
            JavaScript js = runtime.javascript();
            List<Item> one = List.of(
                    Item.start(Json.MAPPER.createObjectNode().put("a", 1).put("s", "item")));
            // Each expression text is new, so each call starts a context; the first 20 of each warm the JVM up.
            double plain = 0, extended = 0;
            for (int i = 0; i < 50; i++) {
                double p = millis(js, "{{ $json.a + " + i + " }}", one);
                double e = millis(js, "{{ $json.s.isEmpty() || " + i + " }}", one);
                if (i >= 20) {
                    plain += p;
                    extended += e;
                }
            }
            System.out.printf(
                    "new context: plain %.1f ms, with extension functions %.1f ms (mean of 30 each)%n",
                    plain / 30, extended / 30);
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < ITEMS; i++)
                items.add(Item.start(Json.MAPPER.createObjectNode().put("a", i).put("s", "item " + i)));
            for (String expression : List.of(
                    "{{ $json.a }}",
                    "{{ $json.s.toUpperCase() }}",
                    "{{ $json.s.isEmpty() }}",
                    "{{ $json.s.toTitleCase() }}")) {
                for (int i = 0; i < runs / 3; i++) millis(js, expression, items);
                double total = 0;
                for (int i = 0; i < runs; i++) total += millis(js, expression, items);
                System.out.printf(
                        "%-30s %.2f ms per run of %d items (kept context, mean of %d)%n",
                        expression, total / runs, ITEMS, runs);
            }
        }
    }
}
