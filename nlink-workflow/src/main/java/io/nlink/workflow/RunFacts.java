package io.nlink.workflow;

/**
 * What a run's caller knows about it and code may read, as n8n offers it: {@code $workflow.id},
 * {@code $workflow.active}, {@code $execution.id}, {@code $execution.mode},
 * {@code $execution.resumeUrl} ({@code $workflow.name} is the workflow's own). Given with
 * {@link RunControl#withFacts}; a run given none has {@link #NONE}.
 *
 * @param workflowId     the stored workflow's id, or null for a workflow run from a file
 * @param workflowActive whether its triggers are active
 * @param executionId    the execution's id, or null when the run is not recorded
 * @param mode           n8n's execution mode: manual, webhook, trigger, retry, integrated (a sub-workflow)…
 * @param resumeUrl      where a call resumes a run waiting in a Wait node, or null where none can
 */
public record RunFacts(String workflowId, boolean workflowActive, String executionId, String mode, String resumeUrl) {
    /** A run from a file or a test: no id, not active, manual. */
    public static final RunFacts NONE = new RunFacts(null, false, null, "manual", null);
}
