package io.nlink.devkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Notices when a node's files change, for {@code nlink test --watch}: it polls the folder's files'
 * sizes and modification times. Polling rather than {@link java.nio.file.WatchService} because
 * that one watches single folders (a node's sources sit in subfolders), and on some platforms
 * polls anyway; a node folder holds a few dozen files, so a scan costs next to nothing.
 *
 * <p>Build output and cache folders ({@link Packer#SKIPPED_DIRECTORIES}) are not scanned: a
 * Rust target/ holds thousands of files. Files the build itself writes (execution.wasm) do not
 * trigger a rebuild because each wait starts from a snapshot taken after the build.
 */
public final class SourceWatcher {
    private final Path folder;
    private Map<Path, Stamp> baseline;

    public SourceWatcher(Path folder) {
        this.folder = folder;
        this.baseline = snapshot();
    }

    /**
     * Takes the folder as it is now as the state to compare with: call it after a build (so what
     * the build wrote is not a change) and before saying that the watch is waiting (so a save
     * right after that message is not missed).
     */
    public void mark() {
        baseline = snapshot();
    }

    /**
     * Waits until a file is added, removed or modified since the last {@link #mark()}, then until
     * the folder has been quiet for one more {@code interval} (an editor's save may take several
     * writes). The new state becomes the mark.
     *
     * @return the changed files, relative to the folder, sorted
     * @throws InterruptedException when interrupted (Ctrl-C ends the JVM in any case)
     */
    public List<Path> awaitChange(Duration interval) throws InterruptedException {
        Map<Path, Stamp> before = baseline;
        Map<Path, Stamp> now;
        do {
            Thread.sleep(interval);
            now = snapshot();
        } while (now.equals(before));
        Map<Path, Stamp> settled = now;
        while (true) {
            Thread.sleep(interval);
            Map<Path, Stamp> again = snapshot();
            if (again.equals(settled)) break;
            settled = again;
        }
        baseline = settled;
        TreeSet<Path> changed = new TreeSet<>();
        for (Path p : before.keySet()) {
            if (!Objects.equals(before.get(p), settled.get(p))) changed.add(p);
        }
        for (Path p : settled.keySet()) {
            if (!before.containsKey(p)) changed.add(p);
        }
        return new ArrayList<>(changed);
    }

    private record Stamp(long size, FileTime modified) {}

    private Map<Path, Stamp> snapshot() {
        Map<Path, Stamp> files = new HashMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.forEach(p -> {
                Path relative = folder.relativize(p);
                if (relative.getNameCount() > 1 && Packer.inSkippedDirectory(relative)) return;
                try {
                    BasicFileAttributes a =
                            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile()) files.put(relative, new Stamp(a.size(), a.lastModifiedTime()));
                } catch (NoSuchFileException e) {
                    // deleted while scanning: the next scan sees it gone
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (NoSuchFileException e) {
            return files; // the folder itself is gone (a git checkout, say): report that as a change
        } catch (IOException e) {
            throw new UncheckedIOException("watching " + folder, e);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException) return files;
            throw e;
        }
        return files;
    }
}
