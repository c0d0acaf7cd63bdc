package dev.amalgam.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFolderTest {
    @TempDir
    Path tmp;

    @Test
    void existingOutputIsUntouchedWithoutForce() throws Exception {
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertThatThrownBy(() -> OutputFolder.create(out, false)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--force");
        assertThat(out.resolve("keep.txt")).hasContent("mine");
        try (var files = Files.list(tmp)) {
            assertThat(files).containsExactly(out);
        }
    }

    @Test
    void forceReplacesOnlyOnCommitAndAbortLeavesNothing() throws Exception {
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("old.txt"), "old");
        try (OutputFolder f = OutputFolder.create(out, true)) {
            Files.writeString(f.temp().resolve("new.txt"), "new");
            assertThat(out.resolve("old.txt")).exists();
            // abort: no commit
        }
        assertThat(out.resolve("old.txt")).hasContent("old");
        try (OutputFolder f = OutputFolder.create(out, true)) {
            Files.writeString(f.temp().resolve("new.txt"), "new");
            f.commit();
        }
        assertThat(out.resolve("new.txt")).hasContent("new");
        assertThat(out.resolve("old.txt")).doesNotExist();
        try (var files = Files.list(tmp)) {
            assertThat(files).containsExactly(out);
        }
    }
}
