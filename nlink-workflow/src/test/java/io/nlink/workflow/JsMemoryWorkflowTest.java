package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.SandboxLimits;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The JavaScript memory bound where workflow authors write JavaScript: a Code node and an
 * expression that keep allocating are stopped with the memory error, and the run goes on.
 */
@EnabledIf(value = "inASmallHeap", disabledReason = "runs in the small-heap execution (-Xmx256m), see the pom")
class JsMemoryWorkflowTest {
    /** Maven's small-heap execution runs this class; in a big heap the bound acts too late to test in seconds. */
    static boolean inASmallHeap() {
        return Runtime.getRuntime().maxMemory() <= 256L << 20;
    }

    static WorkflowEngine engine;

    /** JavaScript that keeps 8 MB arrays until something stops it, when the item says so. */
    private static final String BOMB =
            "if ($json.bomb) { const kept = []; for (;;) kept.push(new Array(1e6).fill(1.5)); }";

    private static final String LIMIT =
            "the JavaScript allocated more than 64 MiB in one run (its memory limit) while running execute_node";
    private static final String ITEMS = "[{\"n\": 1}, {\"n\": 2, \"bomb\": true}, {\"n\": 3}]";

    /** Only the JavaScript hello node: these tests need no wasm built. */
    @BeforeAll
    static void engine() throws Exception {
        engine = new WorkflowEngine(
                new PackageResolver(Fixtures.RUNTIME, SandboxLimits.DEFAULTS, List.of(Fixtures.HELLO_JS)),
                Fixtures.JS,
                SandboxLimits.DEFAULTS);
    }

    @Test
    void aPerItemCodeBombFailsItsItemAndTheOthersRun() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(
                        "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"continueOnFail\": true, \"parameters\": {\"mode\": \"runOnceForEachItem\","
                                + " \"jsCode\": \"" + BOMB + " return {json: {n: $json.n * 10}};\"}}")),
                null,
                Fixtures.items(ITEMS));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.node("Code").itemErrors()).singleElement().satisfies(e -> {
            assertThat(e.index()).isEqualTo(1);
            assertThat(e.message()).startsWith(LIMIT);
        });
        assertThat(run.output().get(0).path("n").asInt()).isEqualTo(10);
        assertThat(run.output().get(2).path("n").asInt()).isEqualTo(30);
    }

    @Test
    void aCodeBombOverAllItemsFailsTheNodeAndTheNextRunWorks() throws Exception {
        String code = "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\":"
                + " \"{ const $json = {bomb: items.some(i => i.json.bomb)}; " + BOMB + " } return items;\"}}";
        Execution bomb = engine.run(Fixtures.workflow(Fixtures.chain(code)), null, Fixtures.items(ITEMS));
        assertThat(bomb.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(bomb.error()).startsWith(LIMIT);
        Execution next = engine.run(Fixtures.workflow(Fixtures.chain(code)), null, Fixtures.items("[{\"n\": 1}]"));
        assertThat(next.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(next.output()).hasSize(1);
    }

    @Test
    void anExpressionBombFailsItsItemAndTheOthersRun() throws Exception {
        String greet =
                "{\"name\": \"Greet\", \"type\": \"nlink-community.hello_js\", \"continueOnFail\": true, \"parameters\": {\"text\":"
                        + " \"={{ (() => { " + BOMB + " return 'n' + $json.n; })() }}\"}}";
        Execution run = engine.run(Fixtures.workflow(Fixtures.chain(greet)), null, Fixtures.items(ITEMS));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.node("Greet").itemErrors()).singleElement().satisfies(e -> {
            assertThat(e.index()).isEqualTo(1);
            assertThat(e.message()).startsWith("parameter text: the expression").contains(LIMIT);
        });
        assertThat(run.output().get(0).path("message").asText()).startsWith("Hello, n1!");
        assertThat(run.output().get(2).path("message").asText()).startsWith("Hello, n3!");
    }
}
