package dev.amalgam.merge.random;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RandomSubsetTest {
    @Test
    void choosesExactlyKIndicesReproducibly() {
        CounterRandom rng = new CounterRandom(42, "model.embed_tokens.weight");
        int n = 200_000;
        int k = 12_345;
        RandomSubset s = RandomSubset.choose(rng, n, k);
        RandomSubset again = RandomSubset.choose(new CounterRandom(42, "model.embed_tokens.weight"), n, k);
        int count = 0;
        int firstHalf = 0;
        for (int i = 0; i < n; i++) {
            boolean in = s.contains(i);
            assertThat(again.contains(i)).isEqualTo(in);
            if (in) {
                count++;
                if (i < n / 2) {
                    firstHalf++;
                }
            }
        }
        assertThat(count).isEqualTo(k);
        // uniform: the first half holds k/2 ± 5 standard deviations (sd = √(k/4) ≈ 56)
        assertThat(firstHalf).isBetween(k / 2 - 280, k / 2 + 280);
    }

    @Test
    void otherSeedsOrTensorsGiveOtherSubsets() {
        int n = 10_000;
        RandomSubset a = RandomSubset.choose(new CounterRandom(1, "t"), n, 100);
        RandomSubset b = RandomSubset.choose(new CounterRandom(2, "t"), n, 100);
        RandomSubset c = RandomSubset.choose(new CounterRandom(1, "u"), n, 100);
        int ab = 0;
        int ac = 0;
        for (int i = 0; i < n; i++) {
            ab += a.contains(i) && b.contains(i) ? 1 : 0;
            ac += a.contains(i) && c.contains(i) ? 1 : 0;
        }
        // independent 1% subsets overlap in about 1 element
        assertThat(ab).isLessThan(10);
        assertThat(ac).isLessThan(10);
    }

    @Test
    void edgeSizes() {
        CounterRandom rng = new CounterRandom(3, "x");
        assertThat(RandomSubset.choose(rng, 5, 5).contains(4)).isTrue();
        assertThat(RandomSubset.choose(rng, 5, 0).contains(0)).isFalse();
        RandomSubset one = RandomSubset.choose(rng, 1000, 1);
        int count = 0;
        for (int i = 0; i < 1000; i++) {
            count += one.contains(i) ? 1 : 0;
        }
        assertThat(count).isEqualTo(1);
    }
}
