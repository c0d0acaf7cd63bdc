package dev.amalgam.tensor;

import java.util.Optional;

/**
 * Exactly the dtype set of the safetensors format (formats.md §1.2), with the names used in file headers.
 * The declaration order is the safetensors writer's sort order (descending "rank": U64 first, BOOL last).
 */
public enum DType {
    U64("U64", 64, Kind.UNSIGNED),
    I64("I64", 64, Kind.SIGNED),
    F64("F64", 64, Kind.FLOAT),
    C64("C64", 64, Kind.OTHER),
    F32("F32", 32, Kind.FLOAT),
    U32("U32", 32, Kind.UNSIGNED),
    I32("I32", 32, Kind.SIGNED),
    BF16("BF16", 16, Kind.FLOAT),
    F16("F16", 16, Kind.FLOAT),
    U16("U16", 16, Kind.UNSIGNED),
    I16("I16", 16, Kind.SIGNED),
    F8_E4M3("F8_E4M3", 8, Kind.FLOAT),
    F8_E5M2("F8_E5M2", 8, Kind.FLOAT),
    F8_E8M0("F8_E8M0", 8, Kind.OTHER),
    F8_E4M3FNUZ("F8_E4M3FNUZ", 8, Kind.OTHER),
    F8_E5M2FNUZ("F8_E5M2FNUZ", 8, Kind.OTHER),
    U8("U8", 8, Kind.UNSIGNED),
    I8("I8", 8, Kind.SIGNED),
    F6_E3M2("F6_E3M2", 6, Kind.OTHER),
    F6_E2M3("F6_E2M3", 6, Kind.OTHER),
    F4("F4", 4, Kind.OTHER),
    BOOL("BOOL", 8, Kind.UNSIGNED);

    /** What arithmetic a dtype supports in Amalgam. */
    public enum Kind { FLOAT, SIGNED, UNSIGNED, OTHER }

    private final String headerName;
    private final int bits;
    private final Kind kind;

    DType(String headerName, int bits, Kind kind) {
        this.headerName = headerName;
        this.bits = bits;
        this.kind = kind;
    }

    /** The exact, case-sensitive string used in safetensors headers. */
    public String headerName() {
        return headerName;
    }

    public int bits() {
        return bits;
    }

    public Kind kind() {
        return kind;
    }

    /** Bytes per element; only meaningful for byte-multiple dtypes. */
    public int byteSize() {
        return bits / 8;
    }

    /** True for dtypes that merge methods can read as float32 (F64, F32, BF16, F16 and the two OCP FP8 formats). */
    public boolean isMergeableFloat() {
        return kind == Kind.FLOAT;
    }

    /** True for dtypes Amalgam can write as merge output (F64, F32, BF16, F16). */
    public boolean isWritableFloat() {
        return this == F64 || this == F32 || this == BF16 || this == F16;
    }

    public static Optional<DType> fromHeaderName(String name) {
        for (DType d : values()) {
            if (d.headerName.equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * Maps a mergekit/PyTorch dtype name from a recipe ({@code bfloat16}, {@code torch.float16}, ...) to a dtype.
     * mergekit accepts exactly bfloat16, float16, float32 and int64, optionally prefixed with {@code torch.}
     * (compat.md §1.0 item 2). Amalgam also accepts float64 (the sensible superset).
     */
    public static Optional<DType> fromTorchName(String name) {
        String n = name.startsWith("torch.") ? name.substring("torch.".length()) : name;
        return switch (n) {
            case "bfloat16" -> Optional.of(BF16);
            case "float16" -> Optional.of(F16);
            case "float32" -> Optional.of(F32);
            case "float64" -> Optional.of(F64);
            case "int64" -> Optional.of(I64);
            default -> Optional.empty();
        };
    }

    /** The PyTorch name used in config.json's {@code torch_dtype}. */
    public String torchName() {
        return switch (this) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F32 -> "float32";
            case F64 -> "float64";
            case I64 -> "int64";
            case I32 -> "int32";
            case I16 -> "int16";
            case I8 -> "int8";
            case U8 -> "uint8";
            case BOOL -> "bool";
            case F8_E4M3 -> "float8_e4m3fn";
            case F8_E5M2 -> "float8_e5m2";
            default -> headerName.toLowerCase(java.util.Locale.ROOT);
        };
    }
}
