package io.nlink.runtime.pkg;

import java.util.Optional;

/**
 * A loaded community node: its metadata, its definition and its executable forms. Immutable.
 *
 * @param source     where it was loaded from (a folder or a ZIP), for messages
 * @param manifest   package.json
 * @param definition definition.json
 * @param wasm       execution.wasm's bytes, or null when the package has none
 * @param javascript execution.js's text, or null when the package has none
 */
public record NodePackage(
        String source, PackageManifest manifest, NodeDefinition definition, byte[] wasm, String javascript) {

    public Optional<byte[]> executionWasm() {
        return Optional.ofNullable(wasm);
    }

    public Optional<String> executionJs() {
        return Optional.ofNullable(javascript);
    }

    /** "name@version", as logs and reports name a package. */
    public String id() {
        return manifest.name() + "@" + manifest.version();
    }
}
