package dev.amalgam.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.tensor.DType;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The recipes mergekit produced the golden outputs from must parse, with the values mergekit would see. */
class GoldenConfigsTest {

    static Path dir() throws URISyntaxException {
        return Path.of(GoldenConfigsTest.class.getResource("/golden/configs").toURI());
    }

    static Stream<Path> recipes() throws Exception {
        try (Stream<Path> files = Files.list(dir())) {
            return files.filter(p -> p.toString().endsWith(".yml")).sorted().toList().stream();
        }
    }

    static MergeConfiguration load(String name) throws Exception {
        return ConfigParser.parse(dir().resolve(name));
    }

    @ParameterizedTest
    @MethodSource("recipes")
    void everyRecipeParsesCleanly(Path recipe) throws IOException {
        MergeConfiguration c = ConfigParser.parse(recipe);
        String stem = recipe.getFileName().toString().replace(".yml", "");
        assertThat(stem).startsWith(c.mergeMethod());
        assertThat(c.warnings()).isEmpty();
        assertThat(c.sourceText()).isEqualTo(Files.readString(recipe));
        assertThat(c.fileLabel()).isEqualTo(recipe.toString());
        assertThat(c.dtype()).isIn(DType.F32, DType.BF16);
        assertThat(c.referencedModels()).isNotEmpty();
        assertThat(c.mergeMethodLocation().file()).isEqualTo(recipe.toString());
        assertThat(c.mergeMethodLocation().column()).isEqualTo(15);
    }

    @Test
    void linear() throws Exception {
        MergeConfiguration c = load("linear.yml");
        assertThat(c.mergeMethod()).isEqualTo("linear");
        assertThat(c.slices()).isNull();
        assertThat(c.modules()).isNull();
        assertThat(c.baseModel()).isNull();
        assertThat(c.models()).extracting(m -> m.model().path())
                .containsExactly("./models/ft_a", "./models/ft_b", "./models/ft_c");
        assertThat(c.models()).extracting(m -> m.parameters().get("weight").evaluate("x", 0.5))
                .containsExactly(0.6, 0.3, 0.1);
        assertThat(c.models().get(1).yamlPath()).isEqualTo("models[1]");
        assertThat(c.models().get(1).location().line()).isEqualTo(6);
        assertThat(c.models().get(1).parameters().get("weight").yamlPath()).isEqualTo("models[1].parameters.weight");
        assertThat(c.models().get(1).parameters().get("weight").location().line()).isEqualTo(8);
        assertThat(c.dtype()).isEqualTo(DType.F32);
        assertThat(c.outDtype()).isNull();
        assertThat(c.mergeMethodLocation().line()).isEqualTo(1);
    }

    @Test
    void dtypesAndOutDtype() throws Exception {
        assertThat(load("linear_bf16_sharded.yml").dtype()).isEqualTo(DType.BF16);
        MergeConfiguration c = load("linear_fp16_out_bf16.yml");
        assertThat(c.dtype()).isEqualTo(DType.F32);
        assertThat(c.outDtype()).isEqualTo(DType.BF16);
        assertThat(c.referencedModels()).containsExactly(ModelReference.of("./models/ft_a_fp16"),
                ModelReference.of("./models/ft_b_fp16"));
    }

    @Test
    void tiesWithBaseAndGlobalNormalize() throws Exception {
        MergeConfiguration c = load("ties.yml");
        assertThat(c.baseModel()).isEqualTo(ModelReference.of("./models/base"));
        assertThat(c.parameters().get("normalize").evaluate("any", 0)).isEqualTo(1.0);
        assertThat(c.models()).extracting(m -> m.parameters().get("density").evaluate("x", 0))
                .containsExactly(0.5, 0.7, 0.3);
        assertThat(c.referencedModels()).extracting(ModelReference::path)
                .containsExactly("./models/ft_a", "./models/ft_b", "./models/ft_c", "./models/base");
    }

    @Test
    void gtaFamilyPerModelParameters() throws Exception {
        MergeConfiguration della = load("della.yml");
        assertThat(della.models().get(0).parameters().get("epsilon").evaluate("t", 0)).isEqualTo(0.1);
        assertThat(della.models().get(1).parameters().get("density").evaluate("t", 0)).isEqualTo(0.6);
        assertThat(della.parameters().get("lambda").evaluate("t", 0)).isEqualTo(1.0);
        MergeConfiguration bc = load("breadcrumbs.yml");
        assertThat(bc.models().get(1).parameters().get("gamma").evaluate("t", 0)).isEqualTo(0.1);
        assertThat(load("dare_ties.yml").models().get(0).parameters().get("weight").evaluate("t", 1)).isEqualTo(0.6);
        assertThat(load("task_arithmetic.yml").parameters().get("lambda").evaluate("t", 0)).isEqualTo(0.9);
        assertThat(load("sce.yml").parameters().get("select_topk").evaluate("t", 0)).isEqualTo(0.5);
    }

    @Test
    void karcherScientificNotation() throws Exception {
        MergeConfiguration c = load("karcher.yml");
        assertThat(c.parameters().get("tol").evaluate(null, 0)).isEqualTo(1.0e-5);
        assertThat(c.parameters().get("max_iter").evaluate(null, 0)).isEqualTo(10.0);
        assertThat(c.models()).hasSize(3);
    }

    @Test
    void modelsWithoutParameters() throws Exception {
        for (String name : List.of("model_stock.yml", "arcee_fusion.yml")) {
            MergeConfiguration c = load(name);
            assertThat(c.models()).allSatisfy(m -> assertThat(m.parameters().isEmpty()).isTrue());
        }
        MergeConfiguration fusion = load("arcee_fusion.yml");
        // the base is also listed as a model: deduplicated
        assertThat(fusion.referencedModels()).extracting(ModelReference::path)
                .containsExactly("./models/ft_a", "./models/ft_b");
        assertThat(load("nuslerp.yml").models().get(1).parameters().get("weight").evaluate("t", 0)).isEqualTo(0.3);
        assertThat(load("multislerp.yml").models().get(2).parameters().get("weight").evaluate("t", 0))
                .isEqualTo(0.2);
    }

    @Test
    void passthroughFrankenmerge() throws Exception {
        MergeConfiguration c = load("passthrough_frankenmerge.yml");
        assertThat(c.mergeMethod()).isEqualTo("passthrough");
        assertThat(c.models()).isNull();
        assertThat(c.slices()).hasSize(2);
        InputSliceDefinition first = c.slices().get(0).sources().get(0);
        InputSliceDefinition second = c.slices().get(1).sources().get(0);
        assertThat(first.layerStart()).isZero();
        assertThat(first.layerEnd()).isEqualTo(3);
        assertThat(first.hasLayerRange()).isTrue();
        assertThat(second.layerStart()).isEqualTo(1);
        assertThat(second.layerEnd()).isEqualTo(4);
        assertThat(second.yamlPath()).isEqualTo("slices[1].sources[0]");
        assertThat(second.location().line()).isEqualTo(6);
        assertThat(c.referencedModels()).containsExactly(ModelReference.of("./models/ft_a"));
    }

    @Test
    void slerpGradientWithFilters() throws Exception {
        MergeConfiguration c = load("slerp.yml");
        assertThat(c.baseModel()).isEqualTo(ModelReference.of("./models/ft_a"));
        OutputSliceDefinition slice = c.slices().get(0);
        assertThat(slice.sources()).extracting(InputSliceDefinition::layerEnd).containsExactly(4, 4);
        ParameterSetting t = c.parameters().get("t");
        assertThat(t).isInstanceOf(ConditionalListSetting.class);
        // 4 layers: t = j/3
        String attn = "model.layers.1.self_attn.q_proj.weight";
        String mlp = "model.layers.1.mlp.up_proj.weight";
        assertThat((Double) t.evaluate(attn, 1.0 / 3)).isCloseTo(0.5 * (1 - 1.0 / 3) + 0.3 / 3, within(1e-12));
        assertThat((Double) t.evaluate(mlp, 1.0 / 3)).isCloseTo(0.5 * (1 - 1.0 / 3) + 0.7 / 3, within(1e-12));
        assertThat(t.evaluate("model.layers.1.input_layernorm.weight", 1.0 / 3)).isEqualTo(0.5);
        assertThat(t.evaluate("model.embed_tokens.weight", 0)).isEqualTo(0.5);
        assertThat(t.evaluate(attn, 1.0)).isEqualTo(1.0);
        assertThat(t.evaluate(mlp, 1.0)).isEqualTo(0.0);
        assertThat(t.yamlPath()).isEqualTo("parameters.t");
        assertThat(t.location().line()).isEqualTo(11);
    }
}
