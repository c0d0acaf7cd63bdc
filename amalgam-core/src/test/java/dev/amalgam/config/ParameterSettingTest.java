package dev.amalgam.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterSettingTest {

    private static Parameters params(String yaml) {
        return ConfigParser.parse("merge_method: linear\nmodels:\n  - model: a\nparameters:\n" + yaml, "t.yml")
                .parameters();
    }

    private static ParameterSetting setting(String yaml) {
        return params("  p: " + yaml + "\n").get("p");
    }

    @Test
    void specGradientExampleOverFortyLayers() {
        ParameterSetting g = setting("[0, 0.5, 0.3, 0.7, 1]");
        assertThat(g).isInstanceOf(GradientSetting.class);
        assertThat((Double) g.evaluate("x", 0.0 / 39)).isEqualTo(0.0);
        assertThat((Double) g.evaluate("x", 1.0 / 39)).isCloseTo(0.0513, within(1e-4));
        assertThat((Double) g.evaluate("x", 10.0 / 39)).isCloseTo(0.4949, within(1e-4));
        assertThat((Double) g.evaluate("x", 20.0 / 39)).isCloseTo(0.3205, within(1e-4));
        assertThat((Double) g.evaluate("x", 39.0 / 39)).isEqualTo(1.0);
    }

    @Test
    void gradientFormulaIsMergekits() {
        GradientSetting g = GradientSetting.of(0, 0.5, 0.3, 0.7, 1);
        double t = 10.0 / 39;
        double s = t * 4;
        int i0 = (int) Math.floor(s);
        double f = s - i0;
        assertThat(g.evaluate(null, t)).isEqualTo((1 - f) * 0.5 + f * 0.3);
        assertThat(GradientSetting.of(0.25).evaluate(null, 0.7)).isEqualTo(0.25);
        assertThat(GradientSetting.of(2, 4).evaluate(null, 0.5)).isEqualTo(3.0);
    }

    @Test
    void positionsOutsideTheSliceAreRefused() {
        assertThatThrownBy(() -> GradientSetting.of(1, 2).evaluate(null, 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> GradientSetting.of(1, 2).evaluate(null, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scalarsNumbersBooleansAndStrings() {
        assertThat(setting("0.3").evaluate("x", 0.4)).isEqualTo(0.3);
        assertThat(setting("7").evaluate("x", 0.4)).isEqualTo(7.0);
        assertThat(setting("true").evaluate("x", 0)).isEqualTo(1.0);
        assertThat(setting("false").evaluate("x", 0)).isEqualTo(0.0);
        assertThat(setting("yes").evaluate("x", 0)).isEqualTo(1.0);
        assertThat(setting("on").evaluate("x", 0)).isEqualTo(1.0);
        assertThat(setting("Off").evaluate("x", 0)).isEqualTo(0.0);
        assertThat(setting("'yes'").evaluate("x", 0)).isEqualTo("yes");
        assertThat(setting("magnitude").evaluate("x", 0)).isEqualTo("magnitude");
        assertThat(setting("1e-5").evaluate("x", 0)).isEqualTo(1e-5);
        assertThat(setting("1_000").evaluate("x", 0)).isEqualTo(1000.0);
        assertThat(setting("0x10").evaluate("x", 0)).isEqualTo(16.0);
        assertThat(setting("-.inf").evaluate("x", 0)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(params("  normalize: true\n").get("normalize")).isInstanceOf(ScalarSetting.class);
    }

    @Test
    void booleansInAGradientAreNumbers() {
        ParameterSetting s = setting("[true, false]");
        assertThat(s).isInstanceOf(GradientSetting.class);
        assertThat(s.evaluate("x", 0.25)).isEqualTo(0.75);
    }

    @Test
    void stepLists() {
        ParameterSetting s = setting("[a, b, c]");
        assertThat(s).isInstanceOf(StepListSetting.class);
        assertThat(s.evaluate("x", 0)).isEqualTo("a");
        assertThat(s.evaluate("x", 0.49)).isEqualTo("a");
        assertThat(s.evaluate("x", 0.5)).isEqualTo("b");
        assertThat(s.evaluate("x", 0.99)).isEqualTo("b");
        assertThat(s.evaluate("x", 1)).isEqualTo("c");
        assertThat(setting("[only]").evaluate("x", 0.8)).isEqualTo("only");
    }

    @Test
    void gradientSlerpConditionalList() {
        ParameterSetting t = params("""
                  t:
                    - filter: self_attn
                      value: [0, 0.5, 0.3, 0.7, 1]
                    - filter: mlp
                      value: [1, 0.5, 0.7, 0.3, 0]
                    - value: 0.5
                """).get("t");
        assertThat(t).isInstanceOf(ConditionalListSetting.class);
        ConditionalListSetting list = (ConditionalListSetting) t;
        assertThat(list.entries()).extracting(ConditionalParameter::filter).containsExactly("self_attn", "mlp", null);
        assertThat(list.entries().get(0).value().yamlPath()).isEqualTo("parameters.t[0].value");
        double at10 = 10.0 / 39;
        assertThat((Double) t.evaluate("model.layers.10.self_attn.o_proj.weight", at10))
                .isCloseTo(0.4949, within(1e-4));
        assertThat((Double) t.evaluate("model.layers.10.mlp.down_proj.weight", at10))
                .isCloseTo(0.5 * (1 - (at10 * 4 - 1)) + 0.7 * (at10 * 4 - 1), within(1e-12));
        assertThat(t.evaluate("model.layers.10.input_layernorm.weight", at10)).isEqualTo(0.5);
        assertThat(t.evaluate(null, at10)).isEqualTo(0.5);
    }

    @Test
    void filtersArePlainSubstringsAndFirstMatchWins() {
        ParameterSetting s = params("""
                  w:
                    - filter: "layers.1."
                      value: 1
                    - filter: "*"
                      value: 2
                    - value: 3
                """).get("w");
        assertThat(s.evaluate("model.layers.1.mlp", 0)).isEqualTo(1.0);
        assertThat(s.evaluate("model.layers.11.mlp", 0)).isEqualTo(2.0);
        // "*" is not a glob: it matches everything, even a null name
        assertThat(s.evaluate(null, 0)).isEqualTo(2.0);
        ParameterSetting regexLooking = setting("[{filter: 'layers.*mlp', value: 1}]");
        assertThat(regexLooking.evaluate("model.layers.1.mlp", 0)).isNull();
        assertThat(regexLooking.evaluate("x.layers.*mlp.y", 0)).isEqualTo(1.0);
    }

    @Test
    void noMatchIsUnset() {
        ParameterSetting s = setting("[{filter: mlp, value: 0.5}]");
        assertThat(s.evaluate("model.layers.0.self_attn.q_proj.weight", 0.3)).isNull();
        assertThat(s.evaluate("", 0.3)).isNull();
        assertThat(s.evaluate(null, 0.3)).isNull();
        assertThat(new ConditionalListSetting(List.of(), null, null).evaluate("x", 0)).isNull();
    }

    @Test
    void nestedGradientAndStepListInConditional() {
        ParameterSetting s = setting("[{filter: mlp, value: [0, 1]}, {value: [lo, hi]}]");
        assertThat(s.evaluate("mlp.up", 0.25)).isEqualTo(0.25);
        assertThat(s.evaluate("attn", 0.25)).isEqualTo("lo");
        assertThat(s.evaluate("attn", 1.0)).isEqualTo("hi");
    }

    @Test
    void bareConditionalMappingIsAOneEntryListWithAWarning() {
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: linear
                models:
                  - model: a
                    parameters:
                      weight: {filter: mlp, value: 0.5}
                """, "bare.yml");
        ParameterSetting w = c.models().get(0).parameters().get("weight");
        assertThat(w).isInstanceOf(ConditionalListSetting.class);
        assertThat(w.evaluate("mlp.x", 0)).isEqualTo(0.5);
        assertThat(w.evaluate("attn.x", 0)).isNull();
        assertThat(c.warnings()).singleElement().satisfies(warning -> {
            assertThat(warning.yamlPath()).isEqualTo("models[0].parameters.weight");
            assertThat(warning.location().line()).isEqualTo(5);
            assertThat(warning.message()).contains("Unexpected setting value");
        });
    }

    @Test
    void parametersKeepInsertionOrderAndAreUnmodifiable() {
        Parameters p = params("  z: 1\n  a: 2\n  m: 3\n");
        assertThat(p.settings().keySet()).containsExactly("z", "a", "m");
        assertThatThrownBy(() -> p.settings().put("q", ScalarSetting.of(1)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(p.get("absent")).isNull();
        assertThat(Parameters.empty().settings()).isEmpty();
    }
}
