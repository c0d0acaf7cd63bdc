package dev.amalgam.io.model;

import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.io.safetensors.SafetensorsHeader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which weight files a model folder has and what their safetensors headers say. On disk this is the folder
 * itself; for a Hub model that is validated before it is downloaded it is the repository's file list and headers
 * fetched with range requests (formats.md §4), so {@link ModelFolder} checks both the same way.
 */
public interface ModelFiles {
    /** True when the model has a file of this name (relative to the folder, '/'-separated). */
    boolean exists(String name);

    /** The validated header of the safetensors file {@code name}; {@code localPath} is where it lives or will. */
    SafetensorsHeader header(String name, Path localPath);

    /** Where the files were looked up, for messages. */
    String describe();

    /** The files of a folder on disk. */
    static ModelFiles local(Path dir) {
        return new ModelFiles() {
            @Override
            public boolean exists(String name) {
                return Files.isRegularFile(dir.resolve(name));
            }

            @Override
            public SafetensorsHeader header(String name, Path localPath) {
                return SafetensorsFile.readHeader(localPath);
            }

            @Override
            public String describe() {
                return dir.toString();
            }
        };
    }
}
