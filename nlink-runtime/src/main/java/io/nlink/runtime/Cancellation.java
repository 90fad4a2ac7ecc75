package io.nlink.runtime;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A caller's way to end sandbox calls before their time bound: a user stops a run, a server shuts
 * down. The caller makes one, passes it to the calls it starts ({@link NodeInstance#call(long,
 * byte[], Cancellation)}, {@link io.nlink.runtime.batch.BatchRunner}, {@link LoadedNode#batch(
 * com.fasterxml.jackson.databind.node.ObjectNode, io.nlink.runtime.batch.BatchOptions,
 * Cancellation)}) and calls {@link #cancel} from any thread.
 *
 * <p>The call under way then ends the way one past its time bound does, as promptly: a wasm guest
 * is interrupted (a looping guest within about a millisecond, one waiting in a WASI call such as
 * {@code poll_oneoff} at the call's next check), a JavaScript context is cancelled. Its item fails
 * with {@link NodeFailure.Kind#CANCELED} and the instance is discarded, never reused. Every later
 * call given this token fails at once with {@code CANCELED}, before the guest sees the item; a
 * batch then starts no new instance. A token is cancelled once and for good.
 *
 * <p>Thread-safe; while no call is registered, cancelling costs nothing but the flag.
 */
public final class Cancellation {
    /** A token nothing cancels: what calls that give none run under. {@link #cancel} refuses it. */
    public static final Cancellation NEVER = new Cancellation(null);

    private final AtomicReference<String> reason = new AtomicReference<>();
    /** The token whose cancellation this one follows, or null. */
    private final Cancellation parent;
    /** What runs when this token (or an ancestor) is cancelled: the calls under way. */
    private final Set<Registration> registered = ConcurrentHashMap.newKeySet();

    /** A token not cancelled yet. */
    public Cancellation() {
        this(null);
    }

    private Cancellation(Cancellation parent) {
        this.parent = parent;
    }

    /**
     * A token cancelled when this one is, and also cancellable on its own (a sub-workflow's run
     * within its caller's): cancelling the child leaves this one alone.
     */
    public Cancellation child() {
        return new Cancellation(this);
    }

    /**
     * Cancels the calls under way with this token or a child of it, and every later one. The
     * first reason given is the one kept (it ends up in the failures' messages); later calls do
     * nothing.
     *
     * @param reason why, as a user reads it: "stopped by alice", "the server is shutting down"
     * @throws UnsupportedOperationException on {@link #NEVER}
     */
    public void cancel(String reason) {
        Objects.requireNonNull(reason, "reason");
        if (this == NEVER) {
            throw new UnsupportedOperationException(
                    "Cancellation.NEVER cannot be cancelled; give the calls a token of their own (new Cancellation())");
        }
        if (this.reason.compareAndSet(null, reason)) {
            registered.forEach(Registration::fire);
        }
    }

    /** Whether this token or one it follows was cancelled. */
    public boolean isCanceled() {
        return reason() != null;
    }

    /** Why it was cancelled (its own reason first, else its parent's), or null while it is not. */
    public String reason() {
        String own = reason.get();
        return own != null || parent == null ? own : parent.reason();
    }

    /**
     * Runs {@code action} once when this token is cancelled: on the cancelling thread, or at once
     * on this one when it is cancelled already. Close the registration when the work it stops
     * ends; the action never runs after that. How the runtime ties a call to the token; a host
     * may use it too (to wake a thread of its own that waits).
     */
    public Registration onCancel(Runnable action) {
        Objects.requireNonNull(action, "action");
        if (this == NEVER) {
            return Registration.NONE;
        }
        Registration registration = new Registration(this, action);
        for (Cancellation c = this; c != null; c = c.parent) {
            c.registered.add(registration);
        }
        // After the adds: either cancel() sees the registration, or this sees its reason.
        if (isCanceled()) {
            registration.fire();
        }
        return registration;
    }

    /** One {@link #onCancel} action; {@link #close} it when the work it stops is over. */
    public static final class Registration implements AutoCloseable {
        static final Registration NONE = new Registration(null, () -> {});

        private final Cancellation token;
        private final Runnable action;
        /** Set by whoever runs or retires the action first; the action runs at most once. */
        private final AtomicBoolean settled = new AtomicBoolean();

        private Registration(Cancellation token, Runnable action) {
            this.token = token;
            this.action = action;
        }

        private void fire() {
            if (settled.compareAndSet(false, true)) {
                action.run();
            }
        }

        /** The action will not run from now on (unless it is running now: it may finish). */
        @Override
        public void close() {
            settled.set(true);
            for (Cancellation c = token; c != null; c = c.parent) {
                c.registered.remove(this);
            }
        }
    }
}
