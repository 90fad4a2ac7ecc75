package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Code that returns a promise or awaits, as n8n runs it: the node's output is what the promise
 * resolves to, {@code setTimeout} fires on the sandbox's own clock (in order of due time, with no
 * wait), and a promise that rejects or can never settle fails the node clearly.
 */
class CodePromiseTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static Execution run(String mode, String code, String items) throws Exception {
        return engine.run(
                Fixtures.workflow(Fixtures.chain(
                        "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"mode\": \"" + mode
                                + "\", \"jsCode\": " + Json.write(code) + "}}")),
                null,
                Fixtures.items(items));
    }

    @Test
    void aPromiseResolvedByTimersIsTheOutputAndTimersFireInOrderOfDueTime() throws Exception {
        String code = """
                const order = [];
                setTimeout(() => order.push('late'), 200);
                const cancelled = setTimeout(() => order.push('never'), 5);
                clearTimeout(cancelled);
                setTimeout((what) => order.push(what), 10, 'early');
                return new Promise((resolve) => setTimeout(() => resolve($input.all().map((item) => ({json: {n: item.json.n * 2, order: [...order]}}))), 300));
                """;
        Execution run = run("runOnceForAllItems", code, "[{\"n\": 1}, {\"n\": 2}]");
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output().stream().map(i -> i.path("n").asInt()).toList()).containsExactly(2, 4);
        assertThat(run.output().get(0).path("order").toString()).isEqualTo("[\"early\",\"late\"]");
    }

    @Test
    void topLevelAwaitWorksInBothModes() throws Exception {
        Execution all = run(
                "runOnceForAllItems",
                "const wait = (ms) => new Promise((r) => setTimeout(r, ms));\nawait wait(50);\nconst x = await Promise.resolve(7);\nreturn [{json: {x}}];",
                "[{}]");
        assertThat(all.status()).as(all.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(all.output().get(0).path("x").asInt()).isEqualTo(7);

        Execution each = run(
                "runOnceForEachItem",
                "const doubled = await Promise.resolve($json.n * 2);\nreturn {json: {doubled}};",
                "[{\"n\": 1}, {\"n\": 5}]");
        assertThat(each.status()).as(each.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        List<Integer> doubled =
                each.output().stream().map(i -> i.path("doubled").asInt()).toList();
        assertThat(doubled).containsExactly(2, 10);
    }

    @Test
    void aRejectedPromiseFailsTheNodeWithItsError() throws Exception {
        Execution run = run(
                "runOnceForAllItems",
                "return new Promise((_, reject) => setTimeout(() => reject(new Error('upstream said no')), 10));",
                "[{}]");
        assertThat(run.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(run.error()).contains("upstream said no");
    }

    @Test
    void aPromiseThatCanNeverSettleFailsInsteadOfHanging() throws Exception {
        Execution never = run("runOnceForAllItems", "return new Promise(() => {});", "[{}]");
        assertThat(never.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(never.error()).contains("never settles");

        Execution forever = run(
                "runOnceForAllItems",
                "return new Promise(() => { const again = () => setTimeout(again, 1); again(); });",
                "[{}]");
        assertThat(forever.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(forever.error()).contains("still pending after 1000 timers");
    }

    @Test
    void codeWithoutPromisesIsUnchanged() throws Exception {
        Execution run = run(
                "runOnceForAllItems", "return $input.all().map((i) => ({json: {n: i.json.n + 1}}));", "[{\"n\": 1}]");
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        JsonNode only = run.output().get(0);
        assertThat(only.path("n").asInt()).isEqualTo(2);
    }
}
