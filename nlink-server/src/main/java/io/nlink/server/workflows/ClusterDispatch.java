package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.cluster.ClusterService;
import io.nlink.cluster.NlinkCluster;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.Policy;
import io.nlink.server.refusal.Refusal;
import io.nlink.server.refusal.Unavailable;
import io.nlink.server.workflows.WorkflowService.Mode;
import io.nlink.server.workflows.WorkflowService.Outcome;
import io.nlink.server.workflows.WorkflowService.Stored;
import io.nlink.workflow.Execution;
import io.nlink.workflow.WebhookResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The cluster protocol of runs, service {@value WorkflowService#EXECUTIONS}: a run goes as a JSON
 * request to the member with a free execution slot (this server when it is alone), which runs it
 * ({@link WorkflowRunner}) and answers with its outcome, or with the refusal the API would have
 * given (its kind, {@link Refusal#kind}), so the caller's API answers as if it had run the workflow
 * itself.
 */
final class ClusterDispatch {
    private final Membership membership;
    private final WorkflowStore store;
    private final WorkflowRunner runner;
    /** The callers waiting for a Respond to Webhook node, by the token their dispatch carries. */
    private final ConcurrentHashMap<String, CompletableFuture<WebhookResponse>> awaitingResponse =
            new ConcurrentHashMap<>();

    ClusterDispatch(Membership membership, WorkflowStore store, WorkflowRunner runner) {
        this.membership = membership;
        this.store = store;
        this.runner = runner;
    }

    /** Hands a Respond to Webhook node's first answer to {@code answered} when its run is here; returns the token the dispatch carries. */
    String awaitResponse(CompletableFuture<WebhookResponse> answered) {
        String token = java.util.UUID.randomUUID().toString();
        awaitingResponse.put(token, answered);
        return token;
    }

    void stopAwaiting(String token) {
        awaitingResponse.remove(token);
    }

    /**
     * Runs {@code stored} on the member with a free execution slot and waits for its outcome.
     *
     * @param executionId   the record this server made of the run before it ran, or null
     * @param responseToken the waiting caller's token ({@link #awaitResponse}), or null
     * @param acknowledged  whether the caller was told the run will happen: then a crash runs it
     *     again rather than marking it crashed
     */
    Outcome dispatch(
            Stored stored,
            String trigger,
            List<JsonNode> items,
            Mode mode,
            Long executionId,
            String responseToken,
            boolean acknowledged)
            throws InterruptedException {
        NlinkCluster member = membership.member();
        if (member == null) throw new IllegalStateException("the server's cluster member is not up yet");
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("workflowId", stored.id()).put("mode", mode.name());
        if (executionId != null)
            request.put("executionId", executionId)
                    .put("receiver", member.address())
                    .put("acknowledged", acknowledged);
        if (trigger != null) request.put("trigger", trigger);
        if (responseToken != null) request.put("responseToken", responseToken);
        if (items != null) request.putArray("items").addAll(items);
        JsonNode answer;
        try {
            answer = Json.parse(member.call(WorkflowService.EXECUTIONS, Json.writeBytes(request)));
        } catch (ClusterService.ServiceException e) {
            throw new Unavailable("the workflow could not be run: " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalStateException("a member answered an execution with unreadable JSON", e);
        }
        if (answer.has("refused")) {
            throw Refusal.revive(text(answer, "refusal"), answer.path("refused").asText());
        }
        List<JsonNode> output = new ArrayList<>();
        answer.path("output").forEach(output::add);
        return new Outcome(
                answer.path("id").asLong(),
                Execution.Status.valueOf(answer.path("status").asText().toUpperCase(Locale.ROOT)),
                text(answer, "error"),
                text(answer, "errorNode"),
                output,
                text(answer, "member"),
                webhookResponse(answer.get("webhookResponse")));
    }

    /** Answers a dispatched run's request: runs it here, and says how it ended or why it was refused. */
    byte[] runDispatched(byte[] requestBytes) throws Exception {
        JsonNode request = Json.parse(requestBytes);
        ObjectNode answer = Json.MAPPER.createObjectNode();
        try {
            // The dispatching server has checked the caller; a run acts for the workflow's owner.
            Stored stored = store.require(
                    Policy.Scope.EVERYONE, request.path("workflowId").asLong());
            List<JsonNode> items = null;
            if (request.has("items")) {
                items = new ArrayList<>();
                request.get("items").forEach(items::add);
            }
            WorkflowRunner.Accepted accepted = request.hasNonNull("executionId")
                    ? new WorkflowRunner.Accepted(
                            request.get("executionId").asLong(),
                            text(request, "receiver"),
                            request.path("acknowledged").asBoolean(true))
                    : null;
            // The first answer of a Respond to Webhook node goes to the waiting caller at once when
            // the caller is on this server, and back with the run's outcome in any case.
            String responseToken = text(request, "responseToken");
            AtomicReference<WebhookResponse> firstResponse = new AtomicReference<>();
            Consumer<WebhookResponse> responder = response -> {
                if (responseToken == null || !firstResponse.compareAndSet(null, response)) return;
                CompletableFuture<WebhookResponse> waiting = awaitingResponse.get(responseToken);
                if (waiting != null) waiting.complete(response);
            };
            WorkflowRunner.Recorded recorded = runner.run(
                    stored,
                    text(request, "trigger"),
                    items,
                    Mode.valueOf(request.path("mode").asText()),
                    accepted,
                    responder);
            Execution e = recorded.execution();
            answer.put("id", recorded.id())
                    .put("status", e.status().id())
                    .put("error", e.error())
                    .put("errorNode", e.errorNode());
            if (firstResponse.get() != null)
                answer.set("webhookResponse", Json.MAPPER.valueToTree(firstResponse.get()));
            answer.putArray("output").addAll(e.output());
            answer.put("member", membership.address());
        } catch (Refusal e) {
            answer.put("refused", e.getMessage()).put("refusal", e.kind());
        }
        return Json.writeBytes(answer);
    }

    /** A text field of a request, answer or record; null when it is absent or null. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static WebhookResponse webhookResponse(JsonNode json) {
        if (json == null || json.isNull()) return null;
        try {
            return Json.MAPPER.treeToValue(json, WebhookResponse.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a member answered a webhook response nLink cannot read", e);
        }
    }
}
