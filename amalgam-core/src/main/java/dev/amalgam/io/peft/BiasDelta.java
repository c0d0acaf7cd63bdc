package dev.amalgam.io.peft;

import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.merge.TensorTransform;
import dev.amalgam.tensor.Conversions;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/** PEFT's {@code lora_bias}: the base bias plus {@code s·lora_B.bias}. */
final class BiasDelta implements TensorTransform {
    private final double scale;
    private final TensorLocation biasLoc;
    private final Function<TensorLocation, MemorySegment> bytes;
    private float[] bias;

    BiasDelta(double scale, TensorLocation biasLoc, Function<TensorLocation, MemorySegment> bytes) {
        this.scale = scale;
        this.biasLoc = biasLoc;
        this.bytes = bytes;
    }

    @Override
    public synchronized void prepare(BaseReader base) {
        if (bias == null) {
            float[] v = new float[(int) biasLoc.info().numel()];
            Conversions.toFloat(biasLoc.info().dtype(), bytes.apply(biasLoc), 0, v, 0, v.length);
            bias = v;
        }
    }

    @Override
    public void apply(long offset, float[] values, int valuesOffset, int n) {
        for (int e = 0; e < n; e++) {
            values[valuesOffset + e] = (float) (values[valuesOffset + e] + scale * bias[(int) (offset + e)]);
        }
    }
}
