package io.nlink.runtime.pkg;

/**
 * One thing wrong with a package: which file, which field (a JSON path such as
 * {@code properties[2].type}, or empty for the whole file), and what was expected.
 */
public record Problem(String file, String field, String message) {
    @Override
    public String toString() {
        return file + (field.isEmpty() ? "" : ": " + field) + ": " + message;
    }
}
