package io.nlink.cli;

import io.nlink.devkit.AtomicFile;
import io.nlink.devkit.Language;
import io.nlink.devkit.Scaffolder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "scaffold",
        description =
                "Generates a new node (definition.json, package.json, source with the memory hooks, build.sh, golden vectors) as nlink-community.NAME/ or a ZIP.")
final class ScaffoldCommand implements Callable<Integer> {
    @Option(
            names = "--name",
            required = true,
            description = "Machine name, e.g. wasm_demo; the package becomes nlink-community.NAME.")
    String name;

    @Option(
            names = "--lang",
            defaultValue = "go",
            description = "One of: go, rust, c, cpp, zig, assemblyscript, python. Default: go.")
    String language;

    @Option(names = "--display-name", description = "Shown in the editor. Default: the name.")
    String displayName;

    @Option(names = "--description", description = "One line. Default: \"<display name> node\".")
    String description;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Folder to create nlink-community.NAME/ in. Default: the current folder.")
    Path out;

    @Option(names = "--zip", paramLabel = "FILE", description = "Write a ZIP instead of a folder.")
    Path zip;

    @Override
    public Integer call() throws Exception {
        var request = new Scaffolder.Request(name, displayName, description, Language.of(language));
        if (zip != null) {
            AtomicFile.write(zip, stream -> Scaffolder.writeZip(request, stream));
            System.err.println("nlink: wrote " + zip + " (" + request.language().displayName() + " node "
                    + request.packageName() + ")");
        } else {
            Path dir = Scaffolder.writeFolder(request, out == null ? Path.of("") : out);
            System.err.println(
                    "nlink: created " + dir + " (" + request.language().displayName() + ")");
            System.err.println("nlink: next: nlink build " + dir + " && nlink test " + dir);
        }
        return 0;
    }
}
