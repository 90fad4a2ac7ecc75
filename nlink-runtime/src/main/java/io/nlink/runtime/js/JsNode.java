package io.nlink.runtime.js;

import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/** A package's execution.js, ready to run: each batch lane gets its own isolated context. */
public final class JsNode implements NodeExecutable {
    public static final String RUNTIME = "js";
    static final String FILE_NAME = "execution.js";

    private final Engine engine;
    private final Source script;

    JsNode(Engine engine, Source script) {
        this.engine = engine;
        this.script = script;
    }

    @Override
    public String runtime() {
        return RUNTIME;
    }

    @Override
    public JsSandbox newInstance(SandboxLimits limits) throws SandboxException {
        return JsSandbox.create(engine, script, limits);
    }
}
