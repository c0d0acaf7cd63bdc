package dev.amalgam.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DTypeTest {
    @Test
    void headerNamesRoundTrip() {
        for (DType d : DType.values()) {
            assertThat(DType.fromHeaderName(d.headerName())).contains(d);
        }
        assertThat(DType.fromHeaderName("f32")).isEmpty();
        assertThat(DType.fromHeaderName("F128")).isEmpty();
    }

    @Test
    void torchNamesFollowMergekit() {
        assertThat(DType.fromTorchName("bfloat16")).contains(DType.BF16);
        assertThat(DType.fromTorchName("torch.float16")).contains(DType.F16);
        assertThat(DType.fromTorchName("bf16")).isEmpty();
        assertThat(DType.BF16.torchName()).isEqualTo("bfloat16");
    }
}
