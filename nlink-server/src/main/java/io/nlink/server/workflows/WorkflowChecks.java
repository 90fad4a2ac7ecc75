package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.server.credentials.CredentialStore;
import io.nlink.server.refusal.BadInput;
import io.nlink.server.refusal.Invalid;
import io.nlink.server.refusal.Refusal;
import io.nlink.workflow.InvalidWorkflowException;
import io.nlink.workflow.PinData;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.WorkflowParser;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a workflow must be to be stored, and to listen once active: each check refuses with the
 * answer the API gives (400 for the name, 422 with every problem for what cannot run).
 */
final class WorkflowChecks {
    /** Longest workflow name, in characters: the lists and the page show it whole. */
    static final int MAX_NAME_CHARS = 200;

    private final CredentialStore credentials;

    WorkflowChecks(CredentialStore credentials) {
        this.credentials = credentials;
    }

    /**
     * The workflow {@code definition} describes, once its name, pinned data, nodes and credentials
     * (usable by {@code ownerId}) pass; the first that does not refuses.
     */
    Workflow requireStorable(JsonNode definition, Long ownerId) throws SQLException {
        checkName(definition);
        checkPinData(definition);
        Workflow workflow = parse(definition);
        requireCredentials(workflow, ownerId);
        return workflow;
    }

    /** Every reason {@link #requireStorable} would refuse {@code definition}, worded as it words them. */
    WorkflowService.Check check(JsonNode definition, Long ownerId) throws SQLException {
        List<String> problems = new ArrayList<>();
        Workflow workflow = null;
        for (Runnable step : List.<Runnable>of(() -> checkName(definition), () -> checkPinData(definition))) {
            try {
                step.run();
            } catch (Refusal e) {
                problems.add(e.getMessage().replaceFirst("^the workflow cannot run: ", ""));
            }
        }
        try {
            workflow = WorkflowParser.parse("workflow", definition);
        } catch (InvalidWorkflowException e) {
            problems.addAll(e.problems());
        }
        if (workflow != null) problems.addAll(credentials.missing(workflow, ownerId));
        return new WorkflowService.Check(List.copyOf(problems), workflow);
    }

    /** Refuses (422, each node and credential named) credentials {@code ownerId} may not use. */
    void requireCredentials(Workflow workflow, Long ownerId) throws SQLException {
        refuse(credentials.missing(workflow, ownerId));
    }

    /** Checks a definition; 422 with every problem. */
    static Workflow parse(JsonNode definition) {
        try {
            return WorkflowParser.parse("workflow", definition);
        } catch (InvalidWorkflowException e) {
            throw new Invalid(
                    "the workflow cannot run: " + e.problems().get(0)
                            + (e.problems().size() > 1
                                    ? " (and " + (e.problems().size() - 1) + " more)"
                                    : ""),
                    e.problems());
        }
    }

    /** A stored workflow has a name of 1 to {@value #MAX_NAME_CHARS} characters, not only spaces (400 otherwise). */
    static void checkName(JsonNode definition) {
        JsonNode name = definition.path("name");
        if (!name.isTextual() || name.asText().isBlank()) {
            throw new BadInput("name: give the workflow a name of 1 to " + MAX_NAME_CHARS + " characters");
        }
        int length = name.asText().codePointCount(0, name.asText().length());
        if (length > MAX_NAME_CHARS) {
            throw new BadInput(
                    "name: " + length + " characters; a workflow name has at most " + MAX_NAME_CHARS + ", shorten it");
        }
    }

    /** A workflow's pinData is n8n's shape, bounded (422 otherwise): manual runs pass it on. */
    static void checkPinData(JsonNode definition) {
        try {
            PinData.of(definition);
        } catch (IllegalArgumentException e) {
            throw new Invalid("the workflow cannot run: " + e.getMessage(), List.of(e.getMessage()));
        }
    }

    /** 422 naming the first of {@code missing} and counting the rest, unless it is empty. */
    static void refuse(List<String> missing) {
        if (!missing.isEmpty()) {
            throw new Invalid(
                    "the workflow cannot run: " + missing.get(0)
                            + (missing.size() > 1 ? " (and " + (missing.size() - 1) + " more)" : ""),
                    missing);
        }
    }

    /** 422 unless every schedule of a workflow about to be (or staying) active can run as written. */
    static void requireSchedulable(Workflow workflow) {
        List<String> problems = Triggers.scheduleProblems(workflow);
        if (!problems.isEmpty()) {
            throw new Invalid("the workflow's schedule cannot run: " + String.join("; ", problems));
        }
    }

    /** The Webhook nodes of a workflow about to listen, each one nLink can serve as its author meant. */
    static List<WebhookSettings> servableWebhooks(Workflow workflow) {
        List<WebhookSettings> hooks = WebhookSettings.of(workflow);
        hooks.forEach(WebhookSettings::requireServable);
        return hooks;
    }
}
