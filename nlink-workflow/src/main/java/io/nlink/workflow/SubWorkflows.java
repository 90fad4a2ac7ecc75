package io.nlink.workflow;

/**
 * Where an Execute Workflow node finds the workflow it calls by id: on a server, the stored
 * workflows the calling workflow's owner may run, and no others. Everything a sub-workflow does
 * is bounded like its caller's run: it shares the caller's credentials, stop and limits.
 */
@FunctionalInterface
public interface SubWorkflows {
    /**
     * The workflow stored as {@code id}.
     *
     * @throws NotCallable when there is none by that id, or the caller may not run it (the same
     *     message for both, so a caller learns nothing of workflows it may not see)
     */
    Workflow find(String id) throws NotCallable;

    /** No stored workflows: what a run outside a server has (a workflow given as JSON still runs). */
    SubWorkflows NONE = id -> {
        throw new NotCallable("workflow " + id + " cannot be called here: this run has no stored workflows;"
                + " give the sub-workflow as JSON (source \"parameter\") or run the caller on a server");
    };

    /** A workflow that cannot be called. */
    final class NotCallable extends Exception {
        public NotCallable(String message) {
            super(message);
        }
    }
}
