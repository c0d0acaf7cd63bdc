package dev.amalgam.align;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.arch.ModelLayout;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import java.util.ArrayList;
import java.util.List;

/**
 * The permutation symmetries of the supported architectures (methods.md §6, "Transformers need three kinds of
 * permutation"): per layer, the MLP's intermediate units (gate/up rows with down columns; GPT-2: c_fc columns with
 * c_proj rows) and whole key/value head groups together with the query heads that attend through them and the
 * matching output-projection columns, those query heads also reordered among themselves; optionally the residual
 * stream shared by every layer. A head is always moved
 * whole: permuting inside a head would break rotary position embeddings, which rotate fixed pairs of a head's
 * dimensions.
 */
public final class PermutationSpecs {
    private PermutationSpecs() {
    }

    public static List<PermutationGroup> of(ModelFolder model, ModelLayout layout, boolean residual) {
        String prefix = layout.layerPrefix();
        if (prefix == null || layout.numLayers() == 0) {
            throw new ConfigException("align: " + model.dir() + " has no layer stack to align");
        }
        String l0 = prefix + ".0.";
        if (model.tensor(l0 + "mlp.gate_proj.weight").isPresent() && model.tensor(l0 + "self_attn.q_proj.weight").isPresent()) {
            return llama(model, layout, residual);
        }
        if (model.tensor(l0 + "attn.c_attn.weight").isPresent() && model.tensor(l0 + "mlp.c_fc.weight").isPresent()) {
            if (residual) {
                throw new ConfigException("align: --residual is supported for Llama-style models only (GPT-2 adds"
                        + " learned position embeddings and LayerNorm biases to the residual stream)");
            }
            return gpt2(model, layout);
        }
        throw new ConfigException("align: the architecture of " + model.dir() + " (" + layout.architecture() + ") is"
                + " not supported: Re-Basin needs Llama-style layers (self_attn.q/k/v/o_proj, mlp.gate/up/down_proj)"
                + " or GPT-2 layers (attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj)");
    }

    private static List<PermutationGroup> llama(ModelFolder m, ModelLayout layout, boolean residual) {
        JsonNode cfg = m.config().orElseThrow(() -> new BadInputException("align: " + m.dir()
                + " has no config.json; the head count (num_attention_heads) is needed to move whole heads"));
        int hidden = intOf(cfg, "hidden_size", m);
        int heads = intOf(cfg, "num_attention_heads", m);
        int kvHeads = cfg.has("num_key_value_heads") && !cfg.get("num_key_value_heads").isNull()
                ? cfg.get("num_key_value_heads").asInt() : heads;
        int headDim = cfg.has("head_dim") && !cfg.get("head_dim").isNull() ? cfg.get("head_dim").asInt() : hidden / heads;
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new BadInputException("align: " + m.dir() + "/config.json has num_attention_heads " + heads
                    + " and num_key_value_heads " + kvHeads + "; the first must be a multiple of the second");
        }
        int rep = heads / kvHeads;
        List<PermutationGroup> groups = new ArrayList<>();
        for (int l = 0; l < layout.numLayers(); l++) {
            String p = layout.layerPrefix() + "." + l + ".";
            long[] gate = shape(m, p + "mlp.gate_proj.weight");
            int inter = (int) gate[0];
            List<PermutationGroup.Axis> mlp = new ArrayList<>();
            mlp.add(PermutationGroup.Axis.of(p + "mlp.gate_proj.weight", 0, 1));
            mlp.add(PermutationGroup.Axis.of(p + "mlp.up_proj.weight", 0, 1));
            mlp.add(PermutationGroup.Axis.of(p + "mlp.down_proj.weight", 1, 1));
            optional(m, mlp, p + "mlp.gate_proj.bias", 0, 1);
            optional(m, mlp, p + "mlp.up_proj.bias", 0, 1);
            expect(m, p + "mlp.up_proj.weight", 0, inter);
            expect(m, p + "mlp.down_proj.weight", 1, inter);
            groups.add(new PermutationGroup(p + "mlp", inter, List.copyOf(mlp)));
            if (kvHeads > 1 || rep > 1) {
                expect(m, p + "self_attn.q_proj.weight", 0, (long) heads * headDim);
                expect(m, p + "self_attn.k_proj.weight", 0, (long) kvHeads * headDim);
                expect(m, p + "self_attn.v_proj.weight", 0, (long) kvHeads * headDim);
                expect(m, p + "self_attn.o_proj.weight", 1, (long) heads * headDim);
                List<PermutationGroup.Axis> att = new ArrayList<>();
                att.add(PermutationGroup.Axis.of(p + "self_attn.k_proj.weight", 0, headDim));
                att.add(PermutationGroup.Axis.of(p + "self_attn.v_proj.weight", 0, headDim));
                optional(m, att, p + "self_attn.k_proj.bias", 0, headDim);
                optional(m, att, p + "self_attn.v_proj.bias", 0, headDim);
                List<PermutationGroup.Axis> q = new ArrayList<>();
                q.add(PermutationGroup.Axis.of(p + "self_attn.q_proj.weight", 0, headDim));
                q.add(PermutationGroup.Axis.of(p + "self_attn.o_proj.weight", 1, headDim));
                optional(m, q, p + "self_attn.q_proj.bias", 0, headDim);
                if (rep == 1) {
                    // one query head per key/value head: they move together, as one unit
                    att.addAll(q);
                    groups.add(new PermutationGroup(p + "self_attn.kv_heads", kvHeads, List.copyOf(att)));
                } else {
                    // kv head g serves query heads g·rep .. g·rep + rep − 1 (transformers' repeat_kv): those move
                    // with it, and may be reordered among themselves, since they all read the same keys and values
                    groups.add(new PermutationGroup(p + "self_attn.kv_heads", kvHeads, List.copyOf(att),
                            new PermutationGroup.Inner(p + "self_attn.q_heads", rep, List.copyOf(q))));
                }
            }
        }
        if (residual) {
            groups.add(residualStream(m, layout, hidden));
        }
        return groups;
    }

    /**
     * The residual stream: every tensor that reads from it (embedding columns, q/k/v/gate/up and head columns) or
     * writes to it (o_proj and down_proj rows, their biases), and the RMSNorm weights on it (RMSNorm commutes with
     * a permutation because its mean of squares does not depend on the order).
     */
    private static PermutationGroup residualStream(ModelFolder m, ModelLayout layout, int hidden) {
        List<PermutationGroup.Axis> ax = new ArrayList<>();
        for (TensorLocation t : m.tensors().values()) {
            String n = t.info().name();
            long[] s = t.info().shape();
            if (!t.info().dtype().isMergeableFloat()) {
                continue;
            }
            if (n.endsWith("embed_tokens.weight") || n.equals("lm_head.weight")
                    || n.matches(".*\\.(q_proj|k_proj|v_proj|gate_proj|up_proj)\\.weight")) {
                expect(m, n, 1, hidden);
                ax.add(PermutationGroup.Axis.of(n, 1, 1));
            } else if (n.matches(".*\\.(o_proj|down_proj)\\.(weight|bias)") || n.matches(".*(layernorm|norm)\\.weight")
                    && s.length == 1 && s[0] == hidden) {
                expect(m, n, 0, hidden);
                ax.add(PermutationGroup.Axis.of(n, 0, 1));
            }
        }
        return new PermutationGroup("residual", hidden, List.copyOf(ax));
    }

    private static List<PermutationGroup> gpt2(ModelFolder m, ModelLayout layout) {
        JsonNode cfg = m.config().orElseThrow(() -> new BadInputException("align: " + m.dir()
                + " has no config.json; the head count (n_head) is needed to move whole heads"));
        int hidden = intOf(cfg, "n_embd", m);
        int heads = intOf(cfg, "n_head", m);
        int headDim = hidden / heads;
        List<PermutationGroup> groups = new ArrayList<>();
        for (int l = 0; l < layout.numLayers(); l++) {
            String p = layout.layerPrefix() + "." + l + ".";
            // Conv1D stores in × out: c_fc's units are its columns, c_proj's its rows
            long[] fc = shape(m, p + "mlp.c_fc.weight");
            int inter = (int) fc[1];
            List<PermutationGroup.Axis> mlp = new ArrayList<>();
            mlp.add(PermutationGroup.Axis.of(p + "mlp.c_fc.weight", 1, 1));
            optional(m, mlp, p + "mlp.c_fc.bias", 0, 1);
            mlp.add(PermutationGroup.Axis.of(p + "mlp.c_proj.weight", 0, 1));
            expect(m, p + "mlp.c_proj.weight", 0, inter);
            groups.add(new PermutationGroup(p + "mlp", inter, List.copyOf(mlp)));
            expect(m, p + "attn.c_attn.weight", 1, 3L * hidden);
            List<PermutationGroup.Axis> att = new ArrayList<>();
            att.add(new PermutationGroup.Axis(p + "attn.c_attn.weight", 1, headDim, 3, hidden));
            if (m.tensor(p + "attn.c_attn.bias").isPresent()) {
                att.add(new PermutationGroup.Axis(p + "attn.c_attn.bias", 0, headDim, 3, hidden));
            }
            att.add(PermutationGroup.Axis.of(p + "attn.c_proj.weight", 0, headDim));
            groups.add(new PermutationGroup(p + "attn.heads", heads, List.copyOf(att)));
        }
        return groups;
    }

    private static void optional(ModelFolder m, List<PermutationGroup.Axis> axes, String name, int axis, int unit) {
        if (m.tensor(name).isPresent()) {
            axes.add(PermutationGroup.Axis.of(name, axis, unit));
        }
    }

    private static long[] shape(ModelFolder m, String name) {
        return m.tensor(name).orElseThrow(() -> new BadInputException("align: " + m.dir() + " has no tensor " + name
                + ", which its other layers have")).info().shape();
    }

    private static void expect(ModelFolder m, String name, int axis, long len) {
        long[] s = shape(m, name);
        if (s.length <= axis || s[axis] != len) {
            throw new BadInputException("align: tensor " + name + " of " + m.dir() + " has shape "
                    + java.util.Arrays.toString(s) + "; expected " + len + " along axis " + axis + " from config.json");
        }
    }

    private static int intOf(JsonNode cfg, String key, ModelFolder m) {
        JsonNode v = cfg.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new BadInputException("align: " + m.dir() + "/config.json has no positive integer '" + key + "'");
        }
        return v.asInt();
    }
}
