package dev.amalgam.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterLookupTest {

    private static Parameters p(String name, ParameterSetting s) {
        Map<String, ParameterSetting> m = new LinkedHashMap<>();
        m.put(name, s);
        return new Parameters(m);
    }

    private static ParameterSetting mlpOnly(double v) {
        return new ConditionalListSetting(List.of(new ConditionalParameter("mlp", ScalarSetting.of(v))), null, null);
    }

    @Test
    void firstLevelThatSetsItWins() {
        Parameters model = p("weight", ScalarSetting.of(0.1));
        Parameters slice = p("weight", ScalarSetting.of(0.2));
        Parameters module = p("weight", ScalarSetting.of(0.3));
        Parameters top = p("weight", ScalarSetting.of(0.4));
        assertThat(ParameterLookup.lookup("weight", model, slice, module, top, "x", 0)).isEqualTo(0.1);
        assertThat(ParameterLookup.lookup("weight", null, slice, module, top, "x", 0)).isEqualTo(0.2);
        assertThat(ParameterLookup.lookup("weight", Parameters.empty(), null, module, top, "x", 0)).isEqualTo(0.3);
        assertThat(ParameterLookup.lookup("weight", null, null, null, top, "x", 0)).isEqualTo(0.4);
        assertThat(ParameterLookup.lookup("density", model, slice, module, top, "x", 0)).isNull();
        assertThat(ParameterLookup.lookup("weight", null, null, null, null, "x", 0)).isNull();
    }

    @Test
    void unmatchedConditionalFallsThrough() {
        Parameters model = p("weight", mlpOnly(0.9));
        Parameters slice = p("weight", mlpOnly(0.8));
        Parameters top = p("weight", GradientSetting.of(0, 1));
        assertThat(ParameterLookup.lookup("weight", model, slice, null, top, "layers.0.mlp.up", 0.5)).isEqualTo(0.9);
        assertThat(ParameterLookup.lookup("weight", model, slice, null, top, "layers.0.attn.q", 0.5)).isEqualTo(0.5);
        assertThat(ParameterLookup.lookup("weight", model, null, null, null, "layers.0.attn.q", 0.5)).isNull();
    }

    @Test
    void fromAParsedRecipe() {
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: ties
                base_model: base
                modules:
                  text_decoder:
                    slices:
                      - sources:
                          - model: a
                            layer_range: [0, 4]
                            parameters:
                              weight: [{filter: mlp, value: 0.7}]
                          - model: base
                            layer_range: [0, 4]
                        parameters:
                          weight: 0.25
                    parameters:
                      density: 0.5
                parameters:
                  density: 0.9
                  weight: 1.0
                  normalize: yes
                """, "modules.yml");
        OutputModuleDefinition module = c.modules().get("text_decoder");
        OutputSliceDefinition slice = module.slices().get(0);
        InputSliceDefinition a = slice.sources().get(0);
        assertThat(ParameterLookup.lookup("weight", a.parameters(), slice.parameters(), module.parameters(),
                c.parameters(), "model.layers.0.mlp.up_proj.weight", 0)).isEqualTo(0.7);
        assertThat(ParameterLookup.lookup("weight", a.parameters(), slice.parameters(), module.parameters(),
                c.parameters(), "model.layers.0.self_attn.q_proj.weight", 0)).isEqualTo(0.25);
        assertThat(ParameterLookup.lookup("density", a.parameters(), slice.parameters(), module.parameters(),
                c.parameters(), "x", 0)).isEqualTo(0.5);
        assertThat(ParameterLookup.lookup("normalize", null, slice.parameters(), module.parameters(),
                c.parameters(), "x", 0)).isEqualTo(1.0);
        assertThat(c.referencedModels()).containsExactly(ModelReference.of("a"), ModelReference.of("base"));
    }
}
