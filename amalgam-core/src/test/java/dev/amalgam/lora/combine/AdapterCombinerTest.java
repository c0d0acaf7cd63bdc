package dev.amalgam.lora.combine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.io.peft.LoadedAdapter;
import dev.amalgam.io.peft.LoraFactors;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.lora.combine.TaskPrimitives.MajoritySign;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyAdapter;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lora merge}: cat is exact; the default delta-space results are the weighted combinations of the deltas;
 * {@code --peft-compatible} reproduces PEFT's formulas with their cross terms and double scaling (methods.md §1.6),
 * checked on hand-computed 2×2 examples.
 */
class AdapterCombinerTest {
    private static final String MODULE = "model.layers.0.self_attn.o_proj";
    @TempDir
    Path tmp;

    private static double sqrt2 = Math.sqrt(2);

    /** Adapter 1: r=1, s=1, A=[1,2], B=[3;4]. Adapter 2: r=1, alpha=2 (s=2), A=[0,1], B=[1;-1]. On a 2×2 module. */
    private List<LoadedAdapter> twoByTwo() throws Exception {
        Path one = new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 1, \"lora_alpha\": 1}")
                .tensor("m.q.lora_A.weight", new float[]{1, 2}, 1, 2)
                .tensor("m.q.lora_B.weight", new float[]{3, 4}, 2, 1).write(tmp.resolve("one"));
        Path two = new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 1, \"lora_alpha\": 2}")
                .tensor("m.q.lora_A.weight", new float[]{0, 1}, 1, 2)
                .tensor("m.q.lora_B.weight", new float[]{1, -1}, 2, 1).write(tmp.resolve("two"));
        return List.of(LoadedAdapter.read(one), LoadedAdapter.read(two));
    }

    private static CombineOptions opts(String type, boolean peft, Integer svdRank, double density) {
        return new CombineOptions(CombinationType.byName(type), new double[]{1, 1}, density, MajoritySign.TOTAL, peft,
                svdRank, null, TruncatedSvdOptions.exact(), 42);
    }

    private static void assertDelta(LoraFactors f, double... expected) {
        float[] d = f.delta();
        assertThat(d).hasSize(expected.length);
        for (int i = 0; i < d.length; i++) {
            assertThat((double) d[i]).as("delta element %d", i).isCloseTo(expected[i], within(1e-5));
        }
    }

    private static LoraFactors only(List<CombinedModule> ms) {
        assertThat(ms).hasSize(1);
        return ms.get(0).factors();
    }

    @Test
    void exactLinearAndCatGiveTheWeightedSumOfDeltas() throws Exception {
        // 1·[[3,6],[4,8]] + 1·2·[[0,1],[0,-1]]
        for (String type : new String[]{"linear", "cat"}) {
            List<CombinedModule> ms = AdapterCombiner.combine(twoByTwo(), opts(type, false, null, 1));
            assertDelta(only(ms), 3, 8, 4, 6);
            assertThat(only(ms).rank()).isEqualTo(2);
            assertThat(ms.get(0).relativeError()).isZero();
        }
        // cat is the same in PEFT-compatible mode
        assertDelta(only(AdapterCombiner.combine(twoByTwo(), opts("cat", true, null, 1))), 3, 8, 4, 6);
    }

    @Test
    void peftLinearHasCrossTerms() throws Exception {
        // a = b = (1, √2): A = [1, 2+√2], B = [3+√2; 4-√2]
        LoraFactors f = only(AdapterCombiner.combine(twoByTwo(), opts("linear", true, null, 1)));
        assertThat(f.rank()).isEqualTo(1);
        assertDelta(f, 3 + sqrt2, 8 + 5 * sqrt2, 4 - sqrt2, 6 + 2 * sqrt2);
    }

    @Test
    void peftSvdTypesScaleTwiceTheExactOnesOnce() throws Exception {
        // PEFT: Σ w·s·ΔW_i with ΔW_i = s·B·A → [[3,6],[4,8]] + 2·2·[[0,1],[0,-1]]
        assertDelta(only(AdapterCombiner.combine(twoByTwo(), opts("svd", true, 2, 1))), 3, 10, 4, 4);
        List<CombinedModule> exact = AdapterCombiner.combine(twoByTwo(), opts("svd", false, 2, 1));
        assertDelta(only(exact), 3, 8, 4, 6);
        assertThat(exact.get(0).relativeError()).isLessThan(1e-6);
    }

    @Test
    void svdAtLowerRankIsTheBestApproximationWithItsError() throws Exception {
        List<CombinedModule> ms = AdapterCombiner.combine(twoByTwo(), opts("svd", false, 1, 1));
        // [[3,8],[4,6]]: σ² are the eigenvalues of MᵀM = [[25,48],[48,100]]; error = σ2 / ‖M‖
        double tr = 125;
        double det = 25 * 100 - 48 * 48;
        double s2sq = (tr - Math.sqrt(tr * tr - 4 * det)) / 2;
        assertThat(only(ms).rank()).isEqualTo(1);
        assertThat(ms.get(0).relativeError()).isCloseTo(Math.sqrt(s2sq / tr), within(1e-9));
    }

    @Test
    void exactTiesIsTiesOfTheDeltas() throws Exception {
        // deltas [3,6,4,8] and [0,2,0,-2]; keep 2 of 4 each: [0,6,0,8], [0,2,0,-2]; votes elect +;
        // disjoint mean: [0, (6+2)/2, 0, 8]; rank 1, so the rank-1 SVD is exact
        List<CombinedModule> ms = AdapterCombiner.combine(twoByTwo(), opts("ties", false, null, 0.5));
        assertDelta(only(ms), 0, 4, 0, 8);
        assertThat(ms.get(0).relativeError()).isLessThan(1e-6);
        assertDelta(only(AdapterCombiner.combine(twoByTwo(), opts("ties_svd", false, null, 0.5))), 0, 4, 0, 8);
    }

    @Test
    void peftTiesWorksOnFactorsSeparately() throws Exception {
        // density 0.5 of 2 entries keeps 1: A's pruned [0,2], [0,1]; B's [0,4]... B1=[3,4] -> [0,4], B2=[1,-1] -> [1,0]
        // A: votes [0,3] elect +,+ ; j0 none agree -> 0; j1 (1·2 + √2·1)/2. B: votes [1,4]; j0: (√2·1)/1; j1: 4/1
        LoraFactors f = only(AdapterCombiner.combine(twoByTwo(), opts("ties", true, null, 0.5)));
        double a1 = (2 + sqrt2) / 2;
        assertDelta(f, 0, sqrt2 * a1, 0, 4 * a1);
    }

    @Test
    void dareIsReproducibleAndSeedDependent() throws Exception {
        float[] a = TinyAdapter.ramp(4 * 64, 0.2f);
        float[] b = TinyAdapter.ramp(64 * 4, 0.3f);
        Path one = new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 4}")
                .tensor("m.q.lora_A.weight", a, 4, 64).tensor("m.q.lora_B.weight", b, 64, 4).write(tmp.resolve("d"));
        List<LoadedAdapter> in = List.of(LoadedAdapter.read(one), LoadedAdapter.read(one));
        CombineOptions o = new CombineOptions(CombinationType.DARE_LINEAR, new double[]{1, 0}, 0.5, MajoritySign.TOTAL,
                true, null, null, TruncatedSvdOptions.exact(), 7);
        LoraFactors x = only(AdapterCombiner.combine(in, o));
        LoraFactors y = only(AdapterCombiner.combine(in, o));
        assertThat(x.a()).containsExactly(y.a());
        LoraFactors z = only(AdapterCombiner.combine(in, new CombineOptions(CombinationType.DARE_LINEAR,
                new double[]{1, 0}, 0.5, MajoritySign.TOTAL, true, null, null, TruncatedSvdOptions.exact(), 8)));
        assertThat(z.a()).isNotEqualTo(x.a());
        long kept = 0;
        for (float v : x.a()) {
            kept += v != 0 ? 1 : 0;
        }
        assertThat(kept / 256.0).isCloseTo(0.5, within(0.1));
        // PEFT combines a single adapter as linear, whatever the type
        LoraFactors single = only(AdapterCombiner.combine(List.of(in.get(0)), new CombineOptions(
                CombinationType.DARE_TIES, new double[]{1}, 0.5, MajoritySign.TOTAL, true, null, null,
                TruncatedSvdOptions.exact(), 7)));
        assertThat(single.a()).containsExactly(a);
    }

    @Test
    void catOfDifferentRanksRsLoraAndNegativeWeightsAppliesAsTheWeightedSum() throws Exception {
        TinyModel.llama(2).fill((n, i) -> 0.1f * (i % 7)).write(tmp.resolve("base"));
        float[] a1 = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b1 = TinyAdapter.ramp(4 * 2, 0.3f);
        float[] a2 = TinyAdapter.ramp(3 * 4, 0.1f);
        float[] b2 = TinyAdapter.ramp(4 * 3, 0.4f);
        new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4}")
                .tensor(MODULE + ".lora_A.weight", a1, 2, 4).tensor(MODULE + ".lora_B.weight", b1, 4, 2)
                .write(tmp.resolve("l1"));
        new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 3, \"lora_alpha\": 6, \"use_rslora\": true}")
                .tensor(MODULE + ".lora_A.weight", a2, 3, 4).tensor(MODULE + ".lora_B.weight", b2, 4, 3)
                .write(tmp.resolve("l2"));
        CombineOptions o = new CombineOptions(CombinationType.CAT, new double[]{0.7, -0.3}, 1, MajoritySign.TOTAL,
                false, null, null, TruncatedSvdOptions.exact(), 42);
        LoraMerge.Result r = LoraMerge.run(List.of(tmp.resolve("l1"), tmp.resolve("l2")), tmp.resolve("cat"), o,
                DType.F32, false, "amalgam lora merge ...");
        assertThat(Files.readString(r.out().resolve("adapter_config.json"))).contains("\"r\": 5")
                .contains("\"use_rslora\": false");
        TestMerges.merge("merge_method: passthrough\nmodels:\n  - model: base+cat\n", tmp, tmp.resolve("out"));
        float[] got = TestMerges.read(tmp.resolve("out"), MODULE + ".weight");
        double s1 = 4.0 / 2;
        double s2 = 6 / Math.sqrt(3);
        for (int o2 = 0; o2 < 4; o2++) {
            for (int i = 0; i < 4; i++) {
                double d1 = 0;
                double d2 = 0;
                for (int k = 0; k < 2; k++) {
                    d1 += b1[o2 * 2 + k] * a1[k * 4 + i];
                }
                for (int k = 0; k < 3; k++) {
                    d2 += b2[o2 * 3 + k] * a2[k * 4 + i];
                }
                double expected = 0.1f * ((o2 * 4 + i) % 7) + 0.7 * s1 * d1 - 0.3 * s2 * d2;
                assertThat((double) got[o2 * 4 + i]).isCloseTo(expected, within(1e-5));
            }
        }
    }

    @Test
    void svdClampUsesTheSignedQuantileOfBothFactors() {
        float[] a = {1, -5};
        float[] b = {3, 0.5f};
        // sorted [-5, 0.5, 1, 3]; the 0.5 quantile interpolates halfway between 0.5 and 1
        AdapterCombiner.clamp(a, b, 0.5);
        assertThat(a).containsExactly(0.75f, -0.75f);
        assertThat(b).containsExactly(0.75f, 0.5f);
    }

    @Test
    void embeddingAdaptersCombineAndApply() throws Exception {
        TinyModel.llama(2).fill((n, i) -> 0.01f * (i % 11)).write(tmp.resolve("base"));
        float[] a1 = TinyAdapter.ramp(2 * 8, 0.2f);
        float[] b1 = TinyAdapter.ramp(4 * 2, 0.3f);
        float[] a2 = TinyAdapter.ramp(2 * 8, 0.1f);
        float[] b2 = TinyAdapter.ramp(4 * 2, 0.5f);
        new TinyAdapter().tensor("model.embed_tokens.lora_embedding_A", a1, 2, 8)
                .tensor("model.embed_tokens.lora_embedding_B", b1, 4, 2).write(tmp.resolve("e1"));
        new TinyAdapter().tensor("model.embed_tokens.lora_embedding_A", a2, 2, 8)
                .tensor("model.embed_tokens.lora_embedding_B", b2, 4, 2).write(tmp.resolve("e2"));
        LoraMerge.run(List.of(tmp.resolve("e1"), tmp.resolve("e2")), tmp.resolve("e"), new CombineOptions(
                CombinationType.LINEAR, new double[]{0.5, 2}, 1, MajoritySign.TOTAL, false, null, null,
                TruncatedSvdOptions.exact(), 1), null, false, null);
        TestMerges.merge("merge_method: passthrough\nmodels:\n  - model: base+e\n", tmp, tmp.resolve("out"));
        float[] got = TestMerges.read(tmp.resolve("out"), "model.embed_tokens.weight");
        // embedding (num=8, dim=4): element (t, d) gets s·Σ B[d,k]·A[k,t] with s = 4/2
        for (int t = 0; t < 8; t++) {
            for (int d = 0; d < 4; d++) {
                double e = 0.01f * ((t * 4 + d) % 11);
                for (int k = 0; k < 2; k++) {
                    e += 2 * (0.5 * b1[d * 2 + k] * a1[k * 8 + t] + 2 * b2[d * 2 + k] * a2[k * 8 + t]);
                }
                assertThat((double) got[t * 4 + d]).isCloseTo(e, within(1e-5));
            }
        }
    }

    @Test
    void badCombinationsGetClearErrors() throws Exception {
        List<LoadedAdapter> two = twoByTwo();
        assertThatThrownBy(() -> CombinationType.byName("tie")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("did you mean 'ties'");
        assertThatThrownBy(() -> AdapterCombiner.combine(two, new CombineOptions(CombinationType.LINEAR,
                new double[]{1}, 1, MajoritySign.TOTAL, false, null, null, TruncatedSvdOptions.exact(), 1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("1 weight(s) for 2 adapter(s)");
        assertThatThrownBy(() -> AdapterCombiner.combine(two, opts("ties", false, null, 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--density");
        Path r2 = new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 2}")
                .tensor("m.q.lora_A.weight", new float[]{1, 2, 3, 4}, 2, 2)
                .tensor("m.q.lora_B.weight", new float[]{1, 0, 0, 1}, 2, 2).write(tmp.resolve("r2"));
        List<LoadedAdapter> mixed = List.of(two.get(0), LoadedAdapter.read(r2));
        assertThatThrownBy(() -> AdapterCombiner.combine(mixed, opts("linear", true, null, 1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ranks [1, 2]").hasMessageContaining("cat");
        Path wide = new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 1, \"lora_alpha\": 1}")
                .tensor("m.q.lora_A.weight", new float[]{1, 2, 3}, 1, 3)
                .tensor("m.q.lora_B.weight", new float[]{1, 0}, 2, 1).write(tmp.resolve("wide"));
        assertThatThrownBy(() -> AdapterCombiner.combine(List.of(two.get(0), LoadedAdapter.read(wide)),
                opts("cat", false, null, 1))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("different models");
        Path dora = new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 1, \"lora_alpha\": 1, \"use_dora\": true}")
                .tensor("m.q.lora_A.weight", new float[]{1, 2}, 1, 2)
                .tensor("m.q.lora_B.weight", new float[]{1, 0}, 2, 1)
                .tensor("m.q.lora_magnitude_vector", new float[]{1, 1}, 2).write(tmp.resolve("dora"));
        assertThatThrownBy(() -> LoadedAdapter.read(dora)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("DoRA");
    }
}
