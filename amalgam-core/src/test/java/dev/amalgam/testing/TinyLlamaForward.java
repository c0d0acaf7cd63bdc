package dev.amalgam.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A reference forward pass of a Llama-architecture model (RMSNorm, rotary attention with grouped key/value heads,
 * SwiGLU MLP), in float64, for tests that check two weight sets compute the same function. Written from the
 * transformers Llama definition: rotary embeddings rotate dimension i with i + head_dim/2 of each head.
 */
public final class TinyLlamaForward {
    private TinyLlamaForward() {
    }

    /** Logits [tokens][vocab] of model folder {@code dir} for the token ids {@code tokens}. */
    public static double[][] logits(Path dir, int[] tokens) throws Exception {
        JsonNode cfg = Json.MAPPER.readTree(Files.readString(dir.resolve("config.json")));
        int hidden = cfg.get("hidden_size").asInt();
        int heads = cfg.get("num_attention_heads").asInt();
        int kv = cfg.get("num_key_value_heads").asInt();
        int hd = cfg.has("head_dim") ? cfg.get("head_dim").asInt() : hidden / heads;
        int layers = cfg.get("num_hidden_layers").asInt();
        double theta = cfg.get("rope_theta").asDouble();
        double eps = cfg.get("rms_norm_eps").asDouble();
        int t = tokens.length;
        float[] emb = TestMerges.read(dir, "model.embed_tokens.weight");
        double[][] h = new double[t][hidden];
        for (int i = 0; i < t; i++) {
            for (int c = 0; c < hidden; c++) {
                h[i][c] = emb[tokens[i] * hidden + c];
            }
        }
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] x = rms(h, TestMerges.read(dir, p + "input_layernorm.weight"), eps);
            double[][] q = linear(x, TestMerges.read(dir, p + "self_attn.q_proj.weight"), heads * hd);
            double[][] k = linear(x, TestMerges.read(dir, p + "self_attn.k_proj.weight"), kv * hd);
            double[][] v = linear(x, TestMerges.read(dir, p + "self_attn.v_proj.weight"), kv * hd);
            rope(q, heads, hd, theta);
            rope(k, kv, hd, theta);
            double[][] att = new double[t][heads * hd];
            int rep = heads / kv;
            for (int head = 0; head < heads; head++) {
                int g = head / rep;
                for (int i = 0; i < t; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double d = 0;
                        for (int e = 0; e < hd; e++) {
                            d += q[i][head * hd + e] * k[j][g * hd + e];
                        }
                        s[j] = d / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        z += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int e = 0; e < hd; e++) {
                            att[i][head * hd + e] += s[j] / z * v[j][g * hd + e];
                        }
                    }
                }
            }
            add(h, linear(att, TestMerges.read(dir, p + "self_attn.o_proj.weight"), hidden));
            x = rms(h, TestMerges.read(dir, p + "post_attention_layernorm.weight"), eps);
            float[] gate = TestMerges.read(dir, p + "mlp.gate_proj.weight");
            int inter = gate.length / hidden;
            double[][] a = linear(x, gate, inter);
            double[][] b = linear(x, TestMerges.read(dir, p + "mlp.up_proj.weight"), inter);
            for (int i = 0; i < t; i++) {
                for (int c = 0; c < inter; c++) {
                    a[i][c] = a[i][c] / (1 + Math.exp(-a[i][c])) * b[i][c];
                }
            }
            add(h, linear(a, TestMerges.read(dir, p + "mlp.down_proj.weight"), hidden));
        }
        double[][] x = rms(h, TestMerges.read(dir, "model.norm.weight"), eps);
        float[] head = TestMerges.read(dir, "lm_head.weight");
        return linear(x, head, head.length / hidden);
    }

    private static double[][] rms(double[][] h, float[] w, double eps) {
        double[][] out = new double[h.length][h[0].length];
        for (int i = 0; i < h.length; i++) {
            double ss = 0;
            for (double x : h[i]) {
                ss += x * x;
            }
            double inv = 1 / Math.sqrt(ss / h[i].length + eps);
            for (int c = 0; c < h[i].length; c++) {
                out[i][c] = h[i][c] * inv * w[c];
            }
        }
        return out;
    }

    /** x · Wᵀ for an out × in weight. */
    private static double[][] linear(double[][] x, float[] w, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int c = 0; c < in; c++) {
                    s += x[i][c] * w[o * in + c];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    private static void rope(double[][] x, int heads, int hd, double theta) {
        int half = hd / 2;
        for (int pos = 0; pos < x.length; pos++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < half; i++) {
                    double ang = pos * Math.pow(theta, -2.0 * i / hd);
                    double c = Math.cos(ang);
                    double s = Math.sin(ang);
                    int a = h * hd + i;
                    int b = a + half;
                    double xa = x[pos][a];
                    double xb = x[pos][b];
                    x[pos][a] = xa * c - xb * s;
                    x[pos][b] = xb * c + xa * s;
                }
            }
        }
    }

    private static void add(double[][] h, double[][] d) {
        for (int i = 0; i < h.length; i++) {
            for (int c = 0; c < h[i].length; c++) {
                h[i][c] += d[i][c];
            }
        }
    }
}
