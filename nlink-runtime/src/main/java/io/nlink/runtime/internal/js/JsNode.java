package io.nlink.runtime.internal.js;

import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.ReadyInstances;
import java.time.Duration;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/**
 * A package's execution.js, ready to run: each batch lane gets its own isolated context, usually
 * one started ahead of need ({@link ReadyInstances}).
 */
public final class JsNode implements NodeExecutable {
    public static final String RUNTIME = "js";
    static final String FILE_NAME = "execution.js";

    private final ReadyInstances<JsSandbox> spare;

    JsNode(Engine engine, Source script, Duration spareIdle) {
        this.spare = new ReadyInstances<>(limits -> JsSandbox.create(engine, script, limits), spareIdle);
    }

    @Override
    public String runtime() {
        return RUNTIME;
    }

    @Override
    public JsSandbox newInstance(SandboxLimits limits) throws SandboxException {
        return spare.take(limits);
    }

    /** Drops the started context kept for the next batch; before the engine closes. */
    void closeSpare() {
        spare.close();
    }
}
