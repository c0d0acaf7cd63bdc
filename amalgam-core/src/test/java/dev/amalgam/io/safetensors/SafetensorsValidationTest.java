package dev.amalgam.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.BadInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every rejection rule of formats.md §1.3/§1.5, each with its own clear message. */
class SafetensorsValidationTest {
    @TempDir
    Path tmp;

    private Path file(byte[] bytes) throws Exception {
        Path p = tmp.resolve("m.safetensors");
        Files.write(p, bytes);
        return p;
    }

    private static byte[] build(long n, byte[] header, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
        out.writeBytes(header);
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    private static byte[] build(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return build(h.length, h, dataBytes);
    }

    private void rejects(byte[] bytes, String... fragments) throws Exception {
        Path p = file(bytes);
        var assertion = assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(p.toString());
        for (String f : fragments) {
            assertion.hasMessageContaining(f);
        }
        // the header-only path used by `validate` applies the same rules
        assertThatThrownBy(() -> SafetensorsFile.readHeader(p)).isInstanceOf(BadInputException.class);
    }

    private static final String A = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void acceptsAValidFileWithLeadingAndTrailingWhitespace() throws Exception {
        Path p = file(build(" \n" + A + "\t\r  ", 8));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.tensor("a")).get().extracting(TensorInfo::byteSize).isEqualTo(8L);
        }
    }

    @Test
    void fileShorterThanTheLengthPrefix() throws Exception {
        rejects(new byte[5], "too small");
    }

    @Test
    void headerLengthBeyondTheFile() throws Exception {
        rejects(build(1000, A.getBytes(StandardCharsets.UTF_8), 8), "truncated");
    }

    @Test
    void absurdHeaderLength() throws Exception {
        rejects(build(100_000_001L, new byte[16], 0), "100 MB");
        rejects(build(-1L, new byte[16], 0), "100 MB");
    }

    @Test
    void emptyHeader() throws Exception {
        rejects(build(0, new byte[0], 0), "empty header");
    }

    @Test
    void headerNotUtf8() throws Exception {
        byte[] h = A.getBytes(StandardCharsets.UTF_8);
        h[3] = (byte) 0xC3;
        h[4] = (byte) 0x28;
        rejects(build(h.length, h, 8), "UTF-8");
    }

    @Test
    void byteOrderMark() throws Exception {
        byte[] h = ("\uFEFF" + A).getBytes(StandardCharsets.UTF_8);
        rejects(build(h.length, h, 8), "byte-order mark");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,8]}}|not valid JSON",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,Infinity]}}|not valid JSON",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}|not valid JSON",
            "{/* c */\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}|not valid JSON",
            "[1,2]|not a JSON object",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}xx|not a JSON object",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}|non-negative integers",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2e0],\"data_offsets\":[0,8]}}|non-negative integers",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}|non-negative integers",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}|non-negative integers",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}|must have",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}|two integers",
            "{\"a\":[1,2]}|not an object",
            "{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}|unknown dtype 'f32'",
            "{\"a\":{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]}}|unknown dtype 'F128'",
            "{\"\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}|empty name",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}|duplicate key",
            "{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}|duplicate key",
            "{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}|non-string value",
            "{\"__metadata__\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}|a tensor named __metadata__",
            "{\"__metadata__\":[1],\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}|__metadata__",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}|needs 12 bytes",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}|end before begin",
            "{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,8]}}|byte boundary",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}|overflows",
            "{\"a\\ud800\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}|surrogate",
    })
    void malformedHeaders(String header, String fragment) throws Exception {
        rejects(build(header, 8), fragment);
    }

    @Test
    void whitespaceOnlyHeader() throws Exception {
        rejects(build("        ", 0), "not a JSON object");
    }

    @Test
    void nulPaddedHeader() throws Exception {
        rejects(build(A + "\0\0\0", 8), "not a JSON object", "U+0000");
    }

    @Test
    void overlappingRanges() throws Exception {
        rejects(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "'b'", "overlaps");
    }

    @Test
    void aliasedRanges() throws Exception {
        rejects(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "overlaps");
    }

    @Test
    void gapBetweenRanges() throws Exception {
        rejects(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20), "'b'", "gap of 4 bytes");
    }

    @Test
    void firstRangeNotAtZero() throws Exception {
        rejects(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "'a'", "gap");
    }

    @Test
    void truncatedData() throws Exception {
        rejects(build(A, 6), "truncated");
    }

    @Test
    void offsetsBeyondTheEndOfTheFile() throws Exception {
        // consistent shape, dtype and offsets, but the data section holds only 8 of the 800 bytes they describe
        rejects(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[200],\"data_offsets\":[0,800]}}", 8),
                "is truncated: its tensors need 800 data bytes but the file has only 8");
        rejects(build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[9223372036854775800,"
                + "9223372036854775808]}}", 8), "non-negative integers");
    }

    @Test
    void trailingBytes() throws Exception {
        rejects(build(A, 9), "1 trailing bytes");
    }

    @Test
    void zeroSizedTensorsMayShareAnOffset() throws Exception {
        Path p = file(build("{\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"y\":{\"dtype\":\"F16\",\"shape\":[3,0],\"data_offsets\":[0,0]}," + A.substring(1), 8));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.tensors()).containsKeys("z", "y", "a");
        }
    }

    @Test
    void missingFileIsNamed() {
        Path p = tmp.resolve("nope.safetensors");
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("nope.safetensors").hasMessageContaining("does not exist");
    }

    /** Thousands of mutations of a valid file: either it still opens consistently, or a typed error. */
    @Test
    void fuzzedHeadersNeverEscapeAsUntypedErrors() throws Exception {
        byte[] valid = build("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]}}", 22);
        SplittableRandom r = new SplittableRandom(20261122);
        int opened = 0;
        int rejected = 0;
        for (int iter = 0; iter < 4000; iter++) {
            byte[] m = valid.clone();
            int kind = r.nextInt(5);
            if (kind == 0) {
                for (int k = 0, n = 1 + r.nextInt(4); k < n; k++) {
                    m[8 + r.nextInt(m.length - 8)] = (byte) r.nextInt(256);
                }
            } else if (kind == 1) {
                m[r.nextInt(8)] = (byte) r.nextInt(256);
            } else if (kind == 2) {
                m = java.util.Arrays.copyOf(m, r.nextInt(m.length));
            } else if (kind == 3) {
                m = java.util.Arrays.copyOf(m, m.length + 1 + r.nextInt(16));
            } else {
                int pos = 8 + r.nextInt(m.length - 8);
                String alphabet = "{}[],:\"0123456789-.eE \\";
                m[pos] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
            }
            Path p = tmp.resolve("fuzz.safetensors");
            Files.write(p, m);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                long size = Files.size(p);
                for (TensorInfo t : f.tensors().values()) {
                    assertThat(f.header().dataStart() + t.end()).isLessThanOrEqualTo(size);
                    f.bytes(t);
                }
                opened++;
            } catch (AmalgamException e) {
                assertThat(e).isInstanceOf(BadInputException.class);
                assertThat(e.getMessage()).contains(p.toString());
                rejected++;
            }
        }
        assertThat(opened + rejected).isEqualTo(4000);
        assertThat(rejected).isGreaterThan(1000);
    }
}
