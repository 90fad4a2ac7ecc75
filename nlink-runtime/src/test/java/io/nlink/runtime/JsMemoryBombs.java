package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.internal.js.JsEngine;
import java.time.Duration;
import java.util.List;

/**
 * The child process of {@link JsMemoryChildJvmTest}: runs memory bombs under the default limits,
 * two lanes at once, and prints one line per item ("bomb-name index: ok" or "… KIND: message"),
 * then "done". Run in a small heap with -XX:+ExitOnOutOfMemoryError, it only gets to "done" when
 * every bomb was stopped before the heap ran out.
 */
public final class JsMemoryBombs {
    /** Keeps small objects, the slow way to fill a heap: many collections, each freeing nothing. */
    static final String OBJECT_BOMB = """
            function execute_node(input) {
              if (input.$json.bomb) { const kept = []; for (let i = 0; ; i++) kept.push({ i: i, s: 'item ' + i }); }
              return [{ json: { ok: true } }];
            }
            """;

    /** Keeps typed arrays: 8 MB each in one allocation, outside any JavaScript object. */
    static final String TYPED_ARRAY_BOMB = """
            function execute_node(input) {
              if (input.$json.bomb) { const kept = []; for (;;) kept.push(new Float64Array(1 << 20).fill(1)); }
              return [{ json: { ok: true } }];
            }
            """;

    private JsMemoryBombs() {}

    public static void main(String[] args) {
        List<JsonNode> items = List.of(obj("{}"), obj("{\"bomb\":true}"), obj("{\"bomb\":true}"), obj("{}"), obj("{}"));
        BatchOptions options = BatchOptions.DEFAULTS.withContinueOnFail(true).withParallelism(2);
        try (JsEngine js = new JsEngine(Duration.ZERO)) {
            for (String[] bomb : new String[][] {
                {"array", JsMemoryTest.ARRAY_BOMB}, {"string", JsMemoryTest.STRING_BOMB},
                {"object", OBJECT_BOMB}, {"typed-array", TYPED_ARRAY_BOMB}
            }) {
                try (BatchRunner batch =
                        new BatchRunner(js.load(bomb[1]), SandboxLimits.DEFAULTS, obj("{}"), options)) {
                    batch.run(
                            items.iterator(),
                            r -> System.out.println(bomb[0] + " " + r.index() + ": " + (r.ok() ? "ok" : r.failure())));
                }
            }
        }
        System.out.println("done");
    }
}
