package io.nlink.runtime.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code package.json}: npm-style metadata. Fields other than these are allowed and ignored.
 *
 * @param name        npm package name, for example {@code nlink-community.wasm_demo}
 * @param version     semantic version, for example {@code 1.0.0}
 * @param description optional one-line summary
 * @param author      optional, as written
 * @param license     optional SPDX identifier
 */
public record PackageManifest(String name, String version, String description, String author, String license) {
    static final String FILE = "package.json";

    /** npm's rules: lowercase, URL-safe, at most 214 characters, optionally @scope/. */
    private static final Pattern NAME = Pattern.compile("^(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*$");

    private static final Pattern SEMVER =
            Pattern.compile("^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$");

    static PackageManifest parse(JsonNode root, List<Problem> problems) {
        JsonFields f = new JsonFields(FILE, root, problems);
        String name = f.requiredString("name");
        if (name != null && (name.length() > 214 || !NAME.matcher(name).matches())) {
            problems.add(new Problem(
                    FILE,
                    "name",
                    "expected an npm package name (lowercase letters, digits, '-', '.', '_', at"
                            + " most 214 characters), for example \"nlink-community.wasm_demo\"; got \""
                            + name
                            + "\""));
        }
        String version = f.requiredString("version");
        if (version != null && !SEMVER.matcher(version).matches()) {
            problems.add(new Problem(
                    FILE, "version", "expected a semantic version such as \"1.0.0\"; got \"" + version + "\""));
        }
        String author = root != null && root.has("author") && root.get("author").isObject()
                ? root.get("author").path("name").asText(null)
                : f.optionalString("author");
        return new PackageManifest(name, version, f.optionalString("description"), author, f.optionalString("license"));
    }
}
