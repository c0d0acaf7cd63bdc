package dev.amalgam.plan;

import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.io.safetensors.SafetensorsHeader;
import dev.amalgam.io.safetensors.TensorInfo;
import dev.amalgam.tensor.Conversions;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A side-input safetensors file (methods.md §0.6): its header is read and validated when the plan is built, its data
 * is memory-mapped on first use, like a model shard. Keys may be redirected by {@code alias.<key>=<other key>}
 * metadata entries, so that layers sharing one input (q/k/v, gate/up) store their Gram matrix once.
 */
public final class SideFile implements AutoCloseable {
    private final Path path;
    private final String shown;
    private final SafetensorsHeader header;
    private SafetensorsFile mapped;
    private Double l2Norm;

    private SideFile(Path path, String shown, SafetensorsHeader header) {
        this.path = path;
        this.shown = shown;
        this.header = header;
    }

    /** Reads and validates the header; throws the usual safetensors errors naming the file. */
    static SideFile open(Path path, String shown) {
        return new SideFile(path, shown, SafetensorsFile.readHeader(path));
    }

    public Path path() {
        return path;
    }

    /** The path as the recipe wrote it. */
    public String shown() {
        return shown;
    }

    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The tensor stored under {@code key}, following at most one alias. */
    Optional<TensorInfo> find(String key) {
        TensorInfo t = header.tensors().get(key);
        if (t != null) {
            return Optional.of(t);
        }
        String alias = header.metadata().get("alias." + key);
        return alias == null ? Optional.empty() : Optional.ofNullable(header.tensors().get(alias));
    }

    /** The alias target of {@code key}, or null when the key is stored directly or not at all. */
    String aliasOf(String key) {
        return header.tensors().containsKey(key) ? null : header.metadata().get("alias." + key);
    }

    public synchronized MemorySegment bytes(TensorInfo t) {
        if (mapped == null) {
            mapped = SafetensorsFile.open(path);
        }
        return mapped.bytes(t);
    }

    /** ‖F‖₂ over every float tensor of the file, summed in float64 in file order, computed once. */
    public synchronized double l2Norm() {
        if (l2Norm == null) {
            double s = 0;
            float[] buf = new float[1 << 16];
            for (TensorInfo t : header.tensors().values()) {
                if (!t.dtype().isMergeableFloat()) {
                    continue;
                }
                MemorySegment seg = bytes(t);
                long n = t.numel();
                for (long off = 0; off < n; off += buf.length) {
                    int len = (int) Math.min(buf.length, n - off);
                    Conversions.toFloat(t.dtype(), seg, off * t.dtype().byteSize(), buf, 0, len);
                    for (int i = 0; i < len; i++) {
                        s += (double) buf[i] * buf[i];
                    }
                }
            }
            l2Norm = Math.sqrt(s);
        }
        return l2Norm;
    }

    @Override
    public synchronized void close() {
        if (mapped != null) {
            mapped.close();
            mapped = null;
        }
    }
}
