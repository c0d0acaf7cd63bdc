package dev.amalgam.io.peft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PEFT folder writer: whole tensors copied in chunks with dtype conversion, scale folded into B, config keys. */
class AdapterWriterTest {
    @TempDir
    Path tmp;

    @Test
    void wholeTensorsSpanningSeveralChunksAndFoldedScale() throws Exception {
        int n = 1_500_000 * 2; // two and a bit 1M-element chunks
        float[] src = new float[n];
        for (int i = 0; i < n; i++) {
            src[i] = i % 251 - 125; // integers below 256 are exact in bf16; 251 is prime, so a misplaced chunk shows
        }
        byte[] bytes = new byte[n * 4];
        Conversions.fromFloat(DType.F32, src, 0, n, MemorySegment.ofArray(bytes), 0);
        LoraFactors f = new LoraFactors("m.q", LoraLayout.LINEAR, 1, 2, 2, new float[]{1, 2}, new float[]{3, 4}, 0.5,
                null);
        Path out = AdapterWriter.write(tmp.resolve("a"), false, new AdapterWriter.Adapter(List.of(f),
                List.of(new AdapterWriter.WholeTensor("emb.weight", new long[]{n / 2, 2}, DType.F32,
                        MemorySegment.ofArray(bytes))), List.of("emb"), false, "base", "CAUSAL_LM", DType.BF16,
                "card"));
        try (SafetensorsFile file = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
            var t = file.tensor("base_model.model.emb.weight").orElseThrow();
            assertThat(t.dtype()).isEqualTo(DType.BF16);
            float[] back = new float[n];
            Conversions.toFloat(DType.BF16, file.bytes(t), 0, back, 0, n);
            // Arrays.mismatch: AssertJ containsExactly is quadratic on 3M elements
            assertThat(java.util.Arrays.mismatch(back, src)).isEqualTo(-1);
            float[] b = new float[2];
            Conversions.toFloat(DType.BF16, file.bytes(file.tensor("base_model.model.m.q.lora_B.weight")
                    .orElseThrow()), 0, b, 0, 2);
            assertThat(b).containsExactly(1.5f, 2f);
        }
        String cfg = Files.readString(out.resolve("adapter_config.json"));
        List<String> keys = new ArrayList<>();
        for (String line : cfg.split("\n")) {
            if (line.startsWith("  \"")) {
                keys.add(line.substring(3, line.indexOf('"', 3)));
            }
        }
        assertThat(keys).isSorted().contains("modules_to_save", "target_modules", "rank_pattern");
        assertThat(cfg).contains("\"emb\"").contains("\"q\"").contains("\"task_type\": \"CAUSAL_LM\"");
        assertThat(Files.readString(out.resolve("README.md"))).isEqualTo("card");
    }
}
