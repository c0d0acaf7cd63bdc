package dev.amalgam.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import dev.amalgam.error.IoFailureException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a merge may write: never into one of its inputs, never over a folder that holds one. */
class OutputTargetTest {
    @TempDir
    Path tmp;

    @Test
    void outputInsideAnInputModelFolderIsRefused() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("models/a"));
        assertThatThrownBy(() -> OutputFolder.checkAgainstInputs(model.resolve("merged"), List.of(model)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("output path " + model.resolve("merged") + " is inside the input model folder " + model
                        + "; the merge would write into its own input. Choose an output path outside every input"
                        + " folder (nothing was changed)");
        assertThatThrownBy(() -> OutputFolder.checkAgainstInputs(model, List.of(model)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(" is the input model folder ");
        // relative spellings and .. do not hide it
        Path sneaky = tmp.resolve("models/b/../a/./x");
        assertThatThrownBy(() -> OutputFolder.checkAgainstInputs(sneaky, List.of(model)))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void aSymlinkToAnInputDoesNotHideIt() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("models/a"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), model);
        assertThatThrownBy(() -> OutputFolder.checkAgainstInputs(link.resolve("out"), List.of(model)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("inside the input model folder");
    }

    @Test
    void anInputInsideTheOutputPathIsRefused() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("work/models/a"));
        assertThatThrownBy(() -> OutputFolder.checkAgainstInputs(tmp.resolve("work"), List.of(model)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("input model folder " + model + " is inside the output path " + tmp.resolve("work"))
                .hasMessageContaining("replacing the output would delete that input");
    }

    @Test
    void siblingsAndPrefixNamesAreFine() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("models/a"));
        // "a-merged" starts with the same characters as "a" but is not inside it
        assertThatCode(() -> OutputFolder.checkAgainstInputs(tmp.resolve("models/a-merged"), List.of(model)))
                .doesNotThrowAnyException();
        assertThatCode(() -> OutputFolder.checkAgainstInputs(tmp.resolve("out/deeper/still"), List.of(model)))
                .doesNotThrowAnyException();
    }

    @Test
    void outputThatIsAFileOrUnderAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> OutputFolder.checkTarget(file, true)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("exists and is not a folder");
        assertThatThrownBy(() -> OutputFolder.create(file.resolve("out"), false))
                .isInstanceOf(IoFailureException.class)
                .hasMessageContaining("cannot create a temporary output folder in " + file)
                .hasMessageContaining("already exists");
        assertThat(file).hasContent("x");
    }

    @Test
    void anOutputThatAppearsWhileMergingIsLeftAloneAndTheResultKept() throws Exception {
        Path out = tmp.resolve("out");
        Path temp;
        try (OutputFolder f = OutputFolder.create(out, false)) {
            temp = f.temp();
            Files.writeString(temp.resolve("model.safetensors"), "new");
            Files.createDirectories(out);
            Files.writeString(out.resolve("theirs.txt"), "someone else's");
            assertThatThrownBy(f::commit).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("appeared while merging").hasMessageContaining(temp.toString());
        }
        assertThat(out.resolve("theirs.txt")).hasContent("someone else's");
        assertThat(temp.resolve("model.safetensors")).hasContent("new");
    }
}
