package io.nlink.devkit;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The languages a node can be scaffolded in; each has a template under templates/ in the repository. */
public enum Language {
    GO("go", "Go"),
    RUST("rust", "Rust"),
    C("c", "C"),
    CPP("cpp", "C++"),
    ZIG("zig", "Zig"),
    ASSEMBLYSCRIPT("assemblyscript", "AssemblyScript"),
    PYTHON("python", "Python");

    private final String id;
    private final String displayName;

    Language(String id, String displayName) {
        this.id = id;
        this.displayName = displayName;
    }

    /** As written on the command line and in template paths: "go", "cpp", "assemblyscript". */
    public String id() {
        return id;
    }

    public String displayName() {
        return displayName;
    }

    public static Language of(String id) {
        for (Language l : values()) {
            if (l.id.equals(id.toLowerCase(Locale.ROOT))) return l;
        }
        throw new IllegalArgumentException("unknown language \"" + id + "\"; expected one of " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(Language::id).collect(Collectors.joining(", "));
    }
}
