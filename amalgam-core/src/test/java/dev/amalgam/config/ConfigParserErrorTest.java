package dev.amalgam.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal names file, line, column and YAML path; all problems of a recipe come out at once. */
class ConfigParserErrorTest {

    private static String errors(String yaml) {
        ConfigException e = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> ConfigParser.parse(yaml, "r.yml"));
        assertThat(e).as("expected a ConfigException").isNotNull();
        assertThat(e.exitCode()).isEqualTo(2);
        return e.getMessage();
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yml");
        assertThatThrownBy(() -> ConfigParser.parse(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("recipe file not found: " + missing);
    }

    @Test
    void readsFromAFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.yml");
        Files.writeString(f, "merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\n");
        MergeConfiguration c = ConfigParser.parse(f);
        assertThat(c.fileLabel()).isEqualTo(f.toString());
        assertThat(c.models().get(0).location()).isEqualTo(new YamlLocation(f.toString(), 3, 5));
        Files.writeString(f, "merge_method: [\n");
        assertThatThrownBy(() -> ConfigParser.parse(f)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ":2:1: YAML syntax error: ");
    }

    @Test
    void yamlSyntaxErrorHasLineAndNoStackTrace() {
        String msg = errors("merge_method: linear\nmodels:\n  - model: a\n   bad: : x\n  - model: [\n");
        assertThat(msg).startsWith("r.yml:").contains("YAML syntax error:").doesNotContain("at org.yaml")
                .doesNotContain("\n");
        assertThat(errors("merge_method: linear\nmodels:\n\t- model: a\n"))
                .startsWith("r.yml:3:1: YAML syntax error:").contains("tabs");
        assertThat(errors("merge_method: a\n---\nmerge_method: b\n"))
                .contains("single document").startsWith("r.yml:2:1:");
    }

    @Test
    void emptyAndNonMappingFiles() {
        assertThat(errors("")).isEqualTo("r.yml:1:1: the recipe is empty; expected a mapping with 'merge_method'"
                + " and one of 'models', 'slices' or 'modules'");
        assertThat(errors("# only a comment\n")).contains("the recipe is empty");
        assertThat(errors("- merge_method: linear\n")).isEqualTo("r.yml:1:1: the recipe must be a mapping at the"
                + " top level (merge_method: ..., models: ...), found a list");
        assertThat(errors("just text")).contains("found the string 'just text'");
    }

    @Test
    void missingOrWrongMergeMethod() {
        assertThat(errors("models:\n  - model: a\n")).isEqualTo(
                "r.yml:1:1: merge_method: missing required key 'merge_method' (e.g. linear, slerp, ties,"
                        + " task_arithmetic)");
        assertThat(errors("merge_method: ''\nmodels:\n  - model: a\n"))
                .isEqualTo("r.yml:1:15: merge_method: merge_method is empty");
        assertThat(errors("merge_method: 3\nmodels:\n  - model: a\n"))
                .isEqualTo("r.yml:1:15: merge_method: expected a merge method name (a string), found the number 3");
        // method names are not validated here
        assertThat(ConfigParser.parse("merge_method: no_such_method\nmodels:\n  - model: a\n", "r.yml")
                .mergeMethod()).isEqualTo("no_such_method");
    }

    @Test
    void exactlyOneOfModelsSlicesModules() {
        assertThat(errors("merge_method: linear\n")).isEqualTo(
                "r.yml:1:1: Exactly one of 'models', 'slices', or 'modules' must be present");
        assertThat(errors("merge_method: linear\nmodels: []\n")).isEqualTo(
                "r.yml:1:1: Exactly one of 'models', 'slices', or 'modules' must be present ('models' is empty)");
        assertThat(errors("""
                merge_method: linear
                models:
                  - model: a
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 2]
                """)).isEqualTo("r.yml:4:1: Exactly one of 'models', 'slices', or 'modules' must be present"
                + " (found models, slices)");
    }

    @Test
    void wrongTypes() {
        assertThat(errors("merge_method: linear\nmodels: a\n")).isEqualTo(
                "r.yml:2:9: models: expected a list of model entries ('- model: ...'), found the string 'a'");
        assertThat(errors("merge_method: linear\nmodels:\n  - ./models/a\n")).isEqualTo(
                "r.yml:3:5: models[0]: expected a model entry mapping, found the string './models/a'; write"
                        + " '- model: ./models/a'");
        assertThat(errors("merge_method: linear\nmodels:\n  - parameters: {weight: 1}\n")).isEqualTo(
                "r.yml:3:5: models[0].model: missing required key 'model'");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\n    parameters: [1, 2]\n")).isEqualTo(
                "r.yml:4:17: models[0].parameters: expected a mapping of parameter names to values, found a list");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\n    parameters:\n      weight: {filter: x}\n"))
                .isEqualTo("r.yml:5:15: models[0].parameters.weight: missing 'value': a conditional parameter is"
                        + " {filter: <substring of tensor name>, value: <number or list>}");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\n    parameters:\n      weight: ~\n"))
                .contains("r.yml:5:15: models[0].parameters.weight: parameter has no value");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\nparameters:\n  w: [1, a]\n"))
                .isEqualTo("r.yml:5:6: parameters.w: a list must hold only numbers (a gradient) or only strings"
                        + " (a step list), not both");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\nparameters:\n  w: []\n"))
                .contains("r.yml:5:6: parameters.w: empty list");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\nparameters:\n  w: [{value: 1}, 2]\n"))
                .contains("r.yml:5:19: parameters.w[1]: a conditional list holds only {filter, value} mappings");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\nparameters:\n  w: [{value: [{value: 1}]}]\n"))
                .contains("parameters.w[0].value[0]: list entry must be a number or a string (conditional lists"
                        + " cannot be nested");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\nparameters:\n  w: [{value: 1, filter: [x]}]\n"))
                .contains("parameters.w[0].filter: expected a tensor-name substring (a string), found a list");
    }

    @Test
    void layerRangeProblems() {
        String head = "merge_method: passthrough\nslices:\n  - sources:\n      - model: a\n        layer_range: ";
        assertThat(errors(head + "[0, 4, 8]\n")).isEqualTo("r.yml:5:22: slices[0].sources[0].layer_range:"
                + " layer_range must be a list of two integers [start, end] (end exclusive), found a list of 3");
        assertThat(errors(head + "4\n")).contains("r.yml:5:22: slices[0].sources[0].layer_range:")
                .contains("found the number 4");
        assertThat(errors(head + "[0, x]\n")).isEqualTo("r.yml:5:26: slices[0].sources[0].layer_range[1]:"
                + " expected a layer index (an integer), found the string 'x'");
        assertThat(errors(head + "[0, 2.5]\n")).contains("layer_range[1]: expected a layer index (an integer)");
        assertThat(errors(head + "[8, 4]\n")).isEqualTo("r.yml:5:22: slices[0].sources[0].layer_range:"
                + " layer_range [8, 4] is reversed: end must be >= start (the range is half-open, [0, 4] means"
                + " layers 0..3)");
        assertThat(errors(head + "[0, -1]\n")).startsWith("r.yml:5:22: slices[0].sources[0].layer_range:"
                + " layer_range [0, -1] has a negative index");
        MergeConfiguration c = ConfigParser.parse(head + "[0, 4.0]\n", "r.yml");
        assertThat(c.slices().get(0).sources().get(0).layerEnd()).isEqualTo(4);
        MergeConfiguration empty = ConfigParser.parse(head + "[2, 2]\n", "r.yml");
        assertThat(empty.warnings()).singleElement().extracting(ConfigWarning::message)
                .asString().contains("selects no layers");
    }

    @Test
    void layerRangeIsOptionalForOtherTools() {
        MergeConfiguration c = ConfigParser.parse(
                "merge_method: passthrough\nslices:\n  - sources:\n      - model: a\n", "r.yml");
        InputSliceDefinition s = c.slices().get(0).sources().get(0);
        assertThat(s.hasLayerRange()).isFalse();
        assertThat(s.layerStart()).isZero();
        assertThat(s.layerEnd()).isZero();
    }

    @Test
    void unequalSourceLengths() {
        assertThat(errors("""
                merge_method: slerp
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 4]
                      - model: b
                        layer_range: [0, 3]
                """)).isEqualTo("r.yml:4:7: slices[0].sources: All inputs to a slice must contain the same number"
                + " of layers (found a 4, b 3)");
    }

    @Test
    void sliceWithoutSources() {
        assertThat(errors("merge_method: passthrough\nslices:\n  - base_model: a\n"))
                .isEqualTo("r.yml:3:5: slices[0].sources: a slice needs 'sources': a list of '- model: ...,"
                        + " layer_range: [start, end]'");
        assertThat(errors("merge_method: passthrough\nslices:\n  - sources: []\n"))
                .isEqualTo("r.yml:3:14: slices[0].sources: a slice needs at least one source");
    }

    @Test
    void tokenizerConflictsAndForms() {
        assertThat(errors("""
                merge_method: linear
                models:
                  - model: a
                tokenizer_source: union
                tokenizer:
                  source: base
                """)).isEqualTo("r.yml:5:1: tokenizer: Cannot specify both tokenizer_source and tokenizer");
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: linear
                models:
                  - model: a
                tokenizer:
                  source: {model: org/tok, lora: org/l}
                  pad_to_multiple_of: 64
                  tokens:
                    <|im_start|>:
                      source: a
                      force: true
                    <|im_end|>:
                      source: {kind: zero}
                """, "tok.yml");
        assertThat(c.tokenizerSource()).isNull();
        assertThat(c.tokenizer().source()).isEqualTo("org/tok+org/l");
        assertThat(c.tokenizer().padToMultipleOf()).isEqualTo(64);
        assertThat(c.tokenizer().tokens()).containsOnlyKeys("<|im_start|>", "<|im_end|>");
        assertThat(c.tokenizer().tokens().get("<|im_start|>"))
                .isEqualTo(java.util.Map.of("source", "a", "force", true));
        assertThat(c.tokenizer().location().line()).isEqualTo(5);
        MergeConfiguration d = ConfigParser.parse(
                "merge_method: linear\nmodels:\n  - model: a\ntokenizer: {}\n", "t.yml");
        // an empty block is still a tokenizer block, as in mergekit: the union of all vocabularies
        assertThat(d.tokenizer().source()).isEqualTo("union");
        MergeConfiguration e = ConfigParser.parse(
                "merge_method: linear\nmodels:\n  - model: a\ntokenizer: {pad_to_multiple_of: 8}\n", "t.yml");
        assertThat(e.tokenizer().source()).isEqualTo("union");
        assertThat(ConfigParser.parse("merge_method: linear\nmodels:\n  - model: a\ntokenizer_source: base\n",
                "t.yml").tokenizerSource()).isEqualTo("base");
        assertThat(ConfigParser.parse("merge_method: linear\nmodels:\n  - model: a\ntokenizer_source: org/m@r\n",
                "t.yml").tokenizerSource()).isEqualTo("org/m@r");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a\ntokenizer: {pad_to_multiple_of: 0}\n"))
                .isEqualTo("r.yml:4:33: tokenizer.pad_to_multiple_of: must be a positive integer, found 0");
    }

    @Test
    void chatTemplates() {
        String head = "merge_method: linear\nmodels:\n  - model: a\nchat_template: ";
        assertThat(ConfigParser.parse(head + "auto\n", "r.yml").chatTemplate()).isEqualTo("auto");
        assertThat(ConfigParser.parse(head + "chatml\n", "r.yml").chatTemplate()).isEqualTo("chatml");
        String jinja = "\"{% for m in messages %}{{ m.content }}{% endfor %}\"";
        assertThat(ConfigParser.parse(head + jinja + "\n", "r.yml").chatTemplate()).startsWith("{% for m");
        assertThat(errors(head + "vicuna\n")).isEqualTo("r.yml:4:16: chat_template: Invalid chat template"
                + " 'vicuna': use 'auto', one of alpaca, chatml, exaone, llama3, mistral, or a literal Jinja template"
                + " (at least 20 characters, containing '{')");
        assertThat(errors(head + "\"{{ short }}\"\n")).contains("Invalid chat template");
        assertThat(errors(head + "\"a long text without any brace at all\"\n")).contains("Invalid chat template");
    }

    @Test
    void unknownDtypes() {
        String head = "merge_method: linear\nmodels:\n  - model: a\n";
        assertThat(errors(head + "dtype: bf16\n")).isEqualTo("r.yml:4:8: dtype: unknown dtype 'bf16'; use one of"
                + " bfloat16, float16, float32, float64 (optionally prefixed 'torch.'); short names such as 'bf16' or"
                + " 'fp16' are not accepted by mergekit either");
        assertThat(errors(head + "out_dtype: fp16\n")).startsWith("r.yml:4:12: out_dtype: unknown dtype 'fp16'");
        assertThat(errors(head + "dtype: int64\n")).contains("unknown dtype 'int64'");
        MergeConfiguration c = ConfigParser.parse(head + "dtype: torch.float16\nout_dtype: float64\n", "r.yml");
        assertThat(c.dtype()).isEqualTo(dev.amalgam.tensor.DType.F16);
        assertThat(c.outDtype()).isEqualTo(dev.amalgam.tensor.DType.F64);
    }

    @Test
    void modelReferenceSyntaxErrors() {
        assertThat(errors("merge_method: linear\nmodels:\n  - model: a+b+c\n")).isEqualTo(
                "r.yml:3:12: models[0].model: invalid model reference 'a+b+c': more than one '+' (the form is"
                        + " path[@revision][+lora[@revision]]; use the dict form for paths containing '+')");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: x\nbase_model: a@b@c\n"))
                .startsWith("r.yml:4:13: base_model: invalid model reference 'a@b@c': more than one '@'");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: {lora: x}\n"))
                .startsWith("r.yml:3:12: models[0].model: a model reference mapping needs 'model'");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: {model: {revision: r}}\n"))
                .isEqualTo("r.yml:3:20: models[0].model.model: missing 'path'");
        assertThat(errors("merge_method: linear\nmodels:\n  - model: [a]\n")).contains("found a list");
        assertThat(errors("merge_method: linear\nmodels:\n  - model:\n")).isEqualTo(
                "r.yml:3:11: models[0].model: missing model reference");
    }

    @Test
    void modulesNeedExactlyOneOfSlicesOrModels() {
        assertThat(errors("""
                merge_method: linear
                modules:
                  text_decoder:
                    parameters: {weight: 1}
                  vision_tower:
                    models: [{model: a}]
                    slices: [{sources: [{model: a, layer_range: [0, 1]}]}]
                """)).isEqualTo("""
                r.yml:4:5: modules.text_decoder: module 'text_decoder' must have exactly one of 'slices' or 'models'\
                 (mergekit: Must specify either output slices or models to merge)
                r.yml:6:5: modules.vision_tower: module 'vision_tower' must have exactly one of 'slices' or 'models'\
                 (mergekit: Must specify either output slices or models to merge)""");
    }

    @Test
    void duplicateKeysAreRefused() {
        assertThat(errors("""
                merge_method: linear
                models:
                  - model: a
                    parameters:
                      weight: 0.5
                      weight: 0.7
                """)).isEqualTo("r.yml:6:7: models[0].parameters.weight: duplicate key 'weight' (first set at line"
                + " 5); PyYAML would silently keep only the last value, remove one of them");
    }

    @Test
    void everyProblemIsReportedAtOnceInFileOrder() {
        String msg = errors("""
                merge_method: linear
                models:
                  - model: a+b+c
                    parameters:
                      weight: []
                  - ./b
                  - model: c
                    parameters: {weight: [1, x]}
                dtype: bf16
                chat_template: nope
                tokenizer_source: union
                tokenizer: {source: base}
                """);
        assertThat(msg.split("\n")).containsExactly(
                "r.yml:3:12: models[0].model: invalid model reference 'a+b+c': more than one '+' (the form is"
                        + " path[@revision][+lora[@revision]]; use the dict form for paths containing '+')",
                "r.yml:5:15: models[0].parameters.weight: empty list; a gradient or conditional list needs at"
                        + " least one entry",
                "r.yml:6:5: models[1]: expected a model entry mapping, found the string './b'; write '- model: ./b'",
                "r.yml:8:26: models[2].parameters.weight: a list must hold only numbers (a gradient) or only"
                        + " strings (a step list), not both",
                "r.yml:9:8: dtype: unknown dtype 'bf16'; use one of bfloat16, float16, float32, float64"
                        + " (optionally prefixed 'torch.'); short names such as 'bf16' or 'fp16' are not accepted by"
                        + " mergekit either",
                "r.yml:10:16: chat_template: Invalid chat template 'nope': use 'auto', one of alpaca, chatml,"
                        + " exaone, llama3, mistral, or a literal Jinja template (at least 20 characters, containing"
                        + " '{')",
                "r.yml:12:1: tokenizer: Cannot specify both tokenizer_source and tokenizer");
    }
}
