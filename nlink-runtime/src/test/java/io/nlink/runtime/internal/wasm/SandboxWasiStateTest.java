package io.nlink.runtime.internal.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Which WASI calls keep an instance from being reset for another batch: exactly the two that change
 * the engine's descriptor table. A newer engine's new call lands here first, counted as a change
 * until someone reads it and lists it as harmless.
 */
class SandboxWasiStateTest {
    @Test
    void onlyClosingAndRenumberingADescriptorCountAsAChangeOfState() {
        Set<String> mayChange = new TreeSet<>(SandboxWasi.catalogue().keySet());
        mayChange.removeAll(SandboxWasi.LEAVE_NO_STATE);
        // (the two adapter calls trap in the engine, which discards the instance anyway)
        assertThat(mayChange).containsExactly("adapter_close_badfd", "adapter_open_badfd", "fd_close", "fd_renumber");
    }
}
