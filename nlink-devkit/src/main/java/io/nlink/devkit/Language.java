package io.nlink.devkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The languages a node can be scaffolded in; each has a template under templates/ in the repository. */
public enum Language {
    GO("go", "Go", "go.mod"),
    RUST("rust", "Rust", "Cargo.toml"),
    C("c", "C", "main.c"),
    CPP("cpp", "C++", "main.cpp"),
    ZIG("zig", "Zig", "main.zig"),
    ASSEMBLYSCRIPT("assemblyscript", "AssemblyScript", "assembly/node.ts"),
    PYTHON("python", "Python", "main.py");

    private final String id;
    private final String displayName;
    private final String sourceMarker;

    Language(String id, String displayName, String sourceMarker) {
        this.id = id;
        this.displayName = displayName;
        this.sourceMarker = sourceMarker;
    }

    /**
     * The language of a scaffolded node, told by the source file its template has (go.mod,
     * Cargo.toml, main.c, ...), so a message can name the toolchain to install; empty when no
     * template's source is there (a hand-made package).
     */
    public static Optional<Language> ofPackage(Path packageDir) {
        for (Language l : values()) {
            if (Files.isRegularFile(packageDir.resolve(l.sourceMarker))) return Optional.of(l);
        }
        return Optional.empty();
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
