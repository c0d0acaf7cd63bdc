package dev.amalgam.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import org.junit.jupiter.api.Test;

/** YAML features real recipes use (anchors, merge keys) and the warnings for keys mergekit silently ignores. */
class YamlFeaturesTest {

    @Test
    void anchorsAndMergeKeysInSlices() {
        // the shape of issue mergekit#198
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: slerp
                base_model: a
                x-common: &params
                  parameters:
                    t: [0, 1]
                x-src: &src_a
                  model: a
                  layer_range: [0, 8]
                slices:
                  - sources:
                      - *src_a
                      - <<: *src_a
                        model: b
                    <<: *params
                  - sources:
                      - <<: *src_a
                        layer_range: [8, 16]
                      - model: b
                        layer_range: [8, 16]
                    parameters:
                      t: 0.25
                """, "anchors.yml");
        OutputSliceDefinition s0 = c.slices().get(0);
        assertThat(s0.sources()).extracting(src -> src.model().path()).containsExactly("a", "b");
        assertThat(s0.sources()).extracting(InputSliceDefinition::layerEnd).containsExactly(8, 8);
        assertThat(s0.parameters().get("t").evaluate("x", 0.5)).isEqualTo(0.5);
        OutputSliceDefinition s1 = c.slices().get(1);
        assertThat(s1.sources().get(0).model().path()).isEqualTo("a");
        assertThat(s1.sources().get(0).layerStart()).isEqualTo(8);
        assertThat(s1.parameters().get("t").evaluate("x", 0.5)).isEqualTo(0.25);
        assertThat(c.referencedModels()).containsExactly(ModelReference.of("a"), ModelReference.of("b"));
        // the helper keys are unknown top-level keys: warned, not refused
        assertThat(c.warnings()).extracting(ConfigWarning::yamlPath).containsExactly("x-common", "x-src");
    }

    @Test
    void mergeKeyListEarlierMapWinsAndExplicitKeysWinOverAll() {
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: linear
                models:
                  - model: m
                    parameters:
                      <<: [{weight: 1, density: 1}, {weight: 2, density: 2, gamma: 2}]
                      density: 3
                """, "merge.yml");
        Parameters p = c.models().get(0).parameters();
        assertThat(p.get("weight").evaluate("x", 0)).isEqualTo(1.0);
        assertThat(p.get("density").evaluate("x", 0)).isEqualTo(3.0);
        assertThat(p.get("gamma").evaluate("x", 0)).isEqualTo(2.0);
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void laterMergeKeyOverridesEarlierOne() {
        MergeConfiguration c = ConfigParser.parse("""
                a: &a {weight: 1}
                b: &b {weight: 2}
                merge_method: linear
                models:
                  - model: m
                    parameters:
                      <<: *a
                      <<: *b
                """, "merge.yml");
        assertThat(c.models().get(0).parameters().get("weight").evaluate("x", 0)).isEqualTo(2.0);
    }

    @Test
    void badMergeKeyValue() {
        assertThatThrownBy(() -> ConfigParser.parse("merge_method: linear\nmodels:\n  - <<: 3\n    model: a\n",
                "r.yml")).isInstanceOf(ConfigException.class)
                .hasMessage("r.yml:3:9: models[0]: merge key '<<' needs a mapping (like *anchor) or a list of"
                        + " mappings");
    }

    @Test
    void unknownKeysAreWarningsWithPathAndLine() {
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: linear
                input_model_parameters:
                  weight: 1
                models:
                  - model: a
                    paramters:
                      weight: 1
                    parameters:
                      weight: [{filter: mlp, value: 1, note: x}]
                slices_extra: 1
                tokenizer:
                  source: union
                  colour: blue
                """, "w.yml");
        assertThat(c.warnings()).extracting(ConfigWarning::toString).containsExactly(
                "w.yml:2:1: input_model_parameters: unknown key 'input_model_parameters' is ignored (mergekit"
                        + " ignores it too)",
                "w.yml:6:5: models[0].paramters: unknown key 'paramters' is ignored (mergekit ignores it too);"
                        + " did you mean 'parameters'?",
                "w.yml:9:40: models[0].parameters.weight[0].note: unknown key 'note' is ignored (mergekit ignores"
                        + " it too)",
                "w.yml:10:1: slices_extra: unknown key 'slices_extra' is ignored (mergekit ignores it too)",
                "w.yml:13:3: tokenizer.colour: unknown key 'colour' is ignored (mergekit ignores it too)");
    }

    @Test
    void residualWeightGetsAMilderWarning() {
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: passthrough
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 2]
                    residual_weight: 0.5
                """, "r.yml");
        assertThat(c.warnings()).singleElement().satisfies(w -> {
            assertThat(w.yamlPath()).isEqualTo("slices[0].residual_weight");
            assertThat(w.location()).isEqualTo(new YamlLocation("r.yml", 6, 5));
            assertThat(w.message()).isEqualTo("'residual_weight' is ignored (mergekit accepts it but ignores it as"
                    + " well)");
        });
    }

    @Test
    void typoOfARequiredKeySuggestsTheRightOne() {
        assertThatThrownBy(() -> ConfigParser.parse("merge_methods: linear\nmodels:\n  - model: a\n", "r.yml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing required key 'merge_method'");
    }

    @Test
    void recursiveAliasIsRefused() {
        assertThatThrownBy(() -> ConfigParser.parse("merge_method: linear\nmodels: &m\n  - model: a\n  - *m\n",
                "r.yml")).isInstanceOf(ConfigException.class).hasMessageContaining("recursive YAML alias");
    }

    @Test
    void modulesWithQuotedNamesAndModels() {
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: linear
                modules:
                  "vision.tower":
                    models:
                      - model: v
                        parameters: {weight: 1}
                  text_decoder:
                    slices:
                      - sources:
                          - model: t
                            layer_range: [0, 2]
                        base_model: tb
                """, "m.yml");
        assertThat(c.modules()).containsOnlyKeys("vision.tower", "text_decoder");
        OutputModuleDefinition vision = c.modules().get("vision.tower");
        assertThat(vision.slices()).isNull();
        assertThat(vision.models().get(0).yamlPath()).isEqualTo("modules[\"vision.tower\"].models[0]");
        assertThat(c.modules().get("text_decoder").models()).isNull();
        assertThat(c.modules().get("text_decoder").slices().get(0).baseModel()).isEqualTo(ModelReference.of("tb"));
        assertThat(c.referencedModels()).containsExactly(ModelReference.of("v"), ModelReference.of("t"),
                ModelReference.of("tb"));
        assertThat(c.models()).isNull();
        assertThat(c.slices()).isNull();
    }
}
