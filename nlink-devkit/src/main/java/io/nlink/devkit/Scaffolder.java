package io.nlink.devkit;

import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Generates a new node from a language template: {@code definition.json}, {@code package.json},
 * the source with the ABI's memory hooks, a build script, golden vectors and a README, all in a
 * folder named {@code nlink-community.<name>/}. The CLI's {@code nlink scaffold} and the
 * dashboard's Scaffold WASM button both call this.
 */
public final class Scaffolder {
    /** The package folder (and npm name) prefix of every community node. */
    public static final String PREFIX = "nlink-community.";

    private static final Pattern NAME = Pattern.compile("^[a-z_][a-z0-9_.-]{0,63}$");
    private static final int MAX_TEXT = 200;

    private Scaffolder() {}

    /**
     * What to generate.
     *
     * @param name        machine name: lowercase letters, digits, '_', '.', '-', starting with a
     *                    letter or '_', at most 64 characters; the package is nlink-community.NAME
     * @param displayName shown in the editor; one line, at most 200 characters
     * @param description one line, at most 200 characters
     * @param language    the template
     */
    public record Request(String name, String displayName, String description, Language language) {
        public Request {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("node name \"" + name
                        + "\": use lowercase letters, digits, '_', '.' or '-', starting with a letter"
                        + " or '_', at most 64 characters (for example wasm_demo)");
            }
            displayName = oneLine("display name", displayName == null || displayName.isBlank() ? name : displayName);
            description = oneLine(
                    "description", description == null || description.isBlank() ? displayName + " node" : description);
            if (language == null) language = Language.GO;
        }

        /** The package's folder and npm name: nlink-community.NAME. */
        public String packageName() {
            return PREFIX + name;
        }
    }

    private static String oneLine(String what, String text) {
        if (text.length() > MAX_TEXT) {
            throw new IllegalArgumentException(what + " is " + text.length() + " characters; at most " + MAX_TEXT);
        }
        if (text.chars().anyMatch(Character::isISOControl) || text.contains("*/") || text.contains("{{")) {
            throw new IllegalArgumentException(
                    what + " must be one line of plain text (no control characters, \"*/\" or \"{{\")");
        }
        return text;
    }

    /** Every generated file: path inside the package folder (with '/') to contents, sorted. */
    public static Map<String, byte[]> files(Request request) {
        Map<String, byte[]> files = new TreeMap<>();
        Path root = templateRoot(request.language());
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                String relative = root.relativize(file).toString().replace('\\', '/');
                String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
                files.put(
                        relative,
                        fill(text, request, relative.endsWith(".json")).getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the " + request.language().id() + " template", e);
        }
        if (!files.containsKey("definition.json") || !files.containsKey("build.sh")) {
            throw new IllegalStateException(
                    "the " + request.language().id() + " template is incomplete: " + files.keySet());
        }
        return files;
    }

    /**
     * Writes the package folder {@code nlink-community.NAME} into {@code parent} and returns it.
     *
     * @throws IllegalArgumentException when that folder already exists (nothing is overwritten)
     */
    public static Path writeFolder(Request request, Path parent) throws IOException {
        Path dir = parent.resolve(request.packageName());
        if (Files.exists(dir)) {
            throw new IllegalArgumentException(dir + " already exists; choose another name or --out folder");
        }
        for (var file : files(request).entrySet()) {
            Path target = dir.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.write(target, file.getValue());
            if (modeOf(file.getKey()) == ZipArchiveWriter.EXECUTABLE_FILE_MODE) {
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        return dir;
    }

    /**
     * Writes the package as a ZIP whose entries sit under nlink-community.NAME/, with Unix modes
     * recorded so that after {@code unzip} the README's {@code ./build.sh} runs. The stream stays
     * open.
     */
    public static void writeZip(Request request, OutputStream out) throws IOException {
        LocalDateTime now = LocalDateTime.now();
        try (ZipArchiveWriter zip = new ZipArchiveWriter(out)) {
            for (var file : files(request).entrySet()) {
                zip.add(request.packageName() + "/" + file.getKey(), file.getValue(), modeOf(file.getKey()), now);
            }
        }
    }

    /** Scripts (build.sh and any other *.sh) are executable, as the README runs them directly. */
    static int modeOf(String relativePath) {
        return relativePath.endsWith(".sh")
                ? ZipArchiveWriter.EXECUTABLE_FILE_MODE
                : ZipArchiveWriter.REGULAR_FILE_MODE;
    }

    private static String fill(String text, Request r, boolean json) {
        return text.replace("{{name}}", r.name())
                .replace("{{displayName}}", json ? jsonEscaped(r.displayName()) : r.displayName())
                .replace("{{description}}", json ? jsonEscaped(r.description()) : r.description());
    }

    private static String jsonEscaped(String text) {
        String quoted = Json.write(text);
        return quoted.substring(1, quoted.length() - 1);
    }

    /** The template folder, whether the templates sit in a directory (tests) or in the jar. */
    private static Path templateRoot(Language language) {
        URL marker = Scaffolder.class.getResource("templates/" + language.id() + "/definition.json");
        if (marker == null) {
            throw new IllegalStateException("no " + language.id() + " template in this build of nLink");
        }
        try {
            URI uri = marker.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem fs;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                return fs.provider().getPath(uri).getParent();
            }
            return Path.of(uri).getParent();
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot open the " + language.id() + " template", e);
        }
    }
}
