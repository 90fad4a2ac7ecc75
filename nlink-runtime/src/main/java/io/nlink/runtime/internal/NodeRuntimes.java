package io.nlink.runtime.internal;

import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NoRuntimeException;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.js.JsEngine;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.wasm.InvalidModuleException;
import java.util.List;

/**
 * Decides which runtime runs a package: the one place the fallback rules live.
 *
 * <ol>
 *   <li>execution.wasm absent: execution.js runs.
 *   <li>execution.wasm present but refused (invalid module, ABI problems, compile failure) or
 *       unable to start (instantiation or {@code _initialize} fails): execution.js runs when the
 *       package has it, and the choice records why; without it the wasm problems are the error.
 *   <li>A wasm failure on an item at run time is that item's failure, never a silent switch,
 *       unless definition.json opts in ({@code "perItemFallback": true}; the loader refuses the
 *       opt-in without execution.js): then an item whose wasm run fails for a runtime reason
 *       ({@link #fallsBackPerItem}) is re-run on execution.js, and its result says so.
 * </ol>
 *
 * Every {@link ItemResult} names the runtime that produced it.
 */
public final class NodeRuntimes {
    private final WasmEngine wasm;
    private final JsEngine js;
    private final boolean jsFallback;

    public NodeRuntimes(WasmEngine wasm, JsEngine js) {
        this(wasm, js, true);
    }

    /**
     * @param jsFallback whether execution.js may stand in for a package's execution.wasm (rules 2
     *     and 3 above); without it a wasm that cannot load or start is the error, and a package
     *     with only execution.js still runs on it
     */
    public NodeRuntimes(WasmEngine wasm, JsEngine js, boolean jsFallback) {
        this.wasm = wasm;
        this.js = js;
        this.jsFallback = jsFallback;
    }

    /**
     * @param executable   what runs the package's items
     * @param fallbackWhy  why execution.js runs instead of execution.wasm, or null when wasm runs
     */
    public record Choice(NodeExecutable executable, String fallbackWhy) {
        public String runtime() {
            return executable.runtime();
        }
    }

    /**
     * Chooses the runtime for {@code pkg}. Checking that the wasm can start costs one
     * instantiation, once per choice (callers keep the choice for the batch).
     */
    public Choice choose(NodePackage pkg, SandboxLimits limits) throws NoRuntimeException {
        boolean hasJs = pkg.javascript() != null;
        if (pkg.wasm() == null) {
            if (!hasJs) {
                throw new NoRuntimeException(
                        pkg.id(), List.of("the package has neither execution.wasm nor execution.js"));
            }
            return new Choice(js.load(pkg.javascript()), "the package has no execution.wasm");
        }
        hasJs &= jsFallback;
        WasmNode node;
        try {
            node = wasm.load(pkg.wasm(), pkg.definition().warmUpContexts());
        } catch (InvalidModuleException e) {
            if (!hasJs) {
                throw new NoRuntimeException(
                        pkg.id(),
                        e.problems().stream().map(p -> "execution.wasm " + p).toList());
            }
            return new Choice(
                    js.load(pkg.javascript()), "execution.wasm cannot run: " + String.join("; ", e.problems()));
        }
        if (hasJs) {
            try (NodeInstance probe = node.newInstance(limits)) {
                // it starts: wasm runs
            } catch (SandboxException e) {
                return new Choice(js.load(pkg.javascript()), "execution.wasm failed to start: " + e.getMessage());
            }
            if (pkg.definition().perItemFallback()) {
                return new Choice(new WithItemFallback(node, js.load(pkg.javascript())), null);
            }
        }
        return new Choice(node, null);
    }

    /**
     * Whether an item that failed this way is re-run on the per-item fallback: yes for failures of
     * the runtime (trap, exit, timeout, memory limit, bad or oversized result, an instance that
     * could not be restarted), no for the node's own {@code {"error": ...}} answer (an answer,
     * not a breakdown: JavaScript would be asked the same question) and no for a context over the
     * limit (the same limit applies to JavaScript, which would refuse it too), nor for a call its
     * caller cancelled (the caller wants no more of it).
     */
    public static boolean fallsBackPerItem(NodeFailure failure) {
        return failure != null && failure.kind().discardsInstance() && failure.kind() != NodeFailure.Kind.CANCELED;
    }

    /** What runs an item first: {@code node} itself, or the primary of a per-item-fallback pair. */
    public static NodeExecutable primary(NodeExecutable node) {
        return node instanceof WithItemFallback f ? f.primary() : node;
    }

    /**
     * A node that runs on {@code primary} and re-runs failed items on {@code fallback}; for
     * everything else (runtime, instances, reporting) it is {@code primary}.
     */
    public record WithItemFallback(NodeExecutable primary, NodeExecutable fallback) implements NodeExecutable {
        @Override
        public String runtime() {
            return primary.runtime();
        }

        @Override
        public NodeInstance newInstance(SandboxLimits limits) throws SandboxException {
            return primary.newInstance(limits);
        }

        @Override
        public NodeExecutable perItemFallback() {
            return fallback;
        }
    }
}
