package dev.amalgam.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.util.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchitectureInferenceTest {
    @Test
    void llamaLayout() throws Exception {
        var names = List.of("lm_head.weight", "model.embed_tokens.weight", "model.norm.weight",
                "model.layers.0.mlp.up_proj.weight", "model.layers.1.mlp.up_proj.weight",
                "model.layers.10.mlp.up_proj.weight");
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree(
                "{\"architectures\": [\"LlamaForCausalLM\"], \"num_hidden_layers\": 11, \"model_type\": \"llama\"}");
        ModelLayout l = ArchitectureInference.infer(names, cfg);
        assertThat(l.architecture()).isEqualTo("LlamaForCausalLM");
        assertThat(l.layerPrefix()).isEqualTo("model.layers");
        assertThat(l.numLayers()).isEqualTo(11);
        assertThat(l.numLayersKey()).isEqualTo("num_hidden_layers");
        assertThat(l.preWeights()).containsExactly("model.embed_tokens.weight");
        assertThat(l.postWeights()).containsExactly("lm_head.weight", "model.norm.weight");
        assertThat(l.suffixesOf(10)).containsExactly("mlp.up_proj.weight");
        assertThat(l.tiedTo()).isEmpty();
    }

    @Test
    void gpt2StyleWithoutConfigAndWithTiedHead() {
        var names = List.of("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
                "transformer.h.1.attn.c_attn.weight", "transformer.ln_f.weight");
        ModelLayout l = ArchitectureInference.infer(names, null);
        assertThat(l.layerPrefix()).isEqualTo("transformer.h");
        assertThat(l.numLayers()).isEqualTo(2);
        assertThat(l.numLayersKey()).isNull();
        assertThat(l.preWeights()).containsExactly("transformer.wte.weight", "transformer.wpe.weight");
        assertThat(l.postWeights()).containsExactly("transformer.ln_f.weight");
        assertThat(l.tiedSource("lm_head.weight")).contains("transformer.wte.weight");
    }

    @Test
    void nestedLayerCountKeyAndTheMatchingStack() throws Exception {
        var names = List.of("vision.blocks.0.w", "vision.blocks.1.w", "vision.blocks.2.w",
                "language_model.model.layers.0.w", "language_model.model.layers.1.w");
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree("{\"text_config\": {\"num_hidden_layers\": 2}}");
        ModelLayout l = ArchitectureInference.infer(names, cfg);
        assertThat(l.layerPrefix()).isEqualTo("language_model.model.layers");
        assertThat(l.numLayersKey()).isEqualTo("text_config.num_hidden_layers");
        assertThat(l.postWeights()).contains("vision.blocks.0.w");
    }
}
