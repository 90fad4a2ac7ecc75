package io.nlink.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data-dir}: where the server keeps its embedded database and compiled modules; shared by serve and workflow run. */
final class DataDirOption {
    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description =
                    "The server's data directory (embedded database, Community Store, compiled modules). Default: ${DEFAULT-VALUE} ($NLINK_DATA_DIR when it is set).")
    Path path;
}
