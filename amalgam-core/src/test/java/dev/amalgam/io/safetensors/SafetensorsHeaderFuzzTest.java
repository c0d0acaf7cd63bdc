package dev.amalgam.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.BadInputException;
import dev.amalgam.tensor.Conversions;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the header at the level of its JSON tokens (the byte-level fuzz of SafetensorsValidationTest
 * mostly produces invalid JSON; these mutations keep it parseable and attack the rules instead): numbers replaced
 * by edge values, dtypes swapped, entries duplicated or dropped, offsets shifted, the length prefix bent. Every
 * outcome must be a file that opens consistently or a {@link BadInputException} naming it; anything else (an
 * IndexOutOfBounds, an OutOfMemoryError, an untyped exception) fails with the mutated input printed. The timeout
 * only guards against a hang; nothing here measures speed.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SafetensorsHeaderFuzzTest {
    private static final int ITERATIONS = 6000;
    private static final String[] NUMBERS = {"0", "1", "2", "3", "7", "8", "15", "16", "22", "-1", "4294967296",
            "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
            "1e3", "2.0", "NaN", "Infinity", "-0", "00", "0x10", "1000000000000"};
    private static final String[] DTYPES = {"F32", "BF16", "F16", "F64", "I64", "U8", "BOOL", "F8_E4M3", "F4",
            "F6_E2M3", "C64", "f32", "F128", "", "F32 ", "\\u0046\\u0033\\u0032"};
    private static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "\"__metadata__\"", "null", "true",
            "[]", "{}", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\\ud800", "\u00e9", "\u0000", " "};

    @TempDir
    Path tmp;

    private static final String VALID = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]},"
            + "\"c\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[22,23]},"
            + "\"z\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[23,23]}}";
    private static final int DATA = 23;

    private static byte[] file(long n, byte[] header, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
        out.writeBytes(header);
        out.writeBytes(new byte[Math.max(0, dataBytes)]);
        return out.toByteArray();
    }

    /** Start and end of every number, string and punctuation token of the header text. */
    private static List<int[]> tokens(String s) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            int j = i + 1;
            if (c == '"') {
                while (j < s.length() && s.charAt(j) != '"') {
                    j++;
                }
                j = Math.min(s.length(), j + 1);
            } else if (c == '-' || Character.isDigit(c)) {
                while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
            }
            out.add(new int[]{i, j});
            i = j;
        }
        return out;
    }

    private static String pick(SplittableRandom r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    private static String mutate(SplittableRandom r, String h) {
        List<int[]> toks = tokens(h);
        int[] t = toks.get(r.nextInt(toks.size()));
        String tok = h.substring(t[0], t[1]);
        return switch (r.nextInt(8)) {
            case 0 -> { // a number becomes an edge value
                int[] num = toks.stream().filter(x -> Character.isDigit(h.charAt(x[0]))).toList()
                        .get(r.nextInt((int) toks.stream().filter(x -> Character.isDigit(h.charAt(x[0]))).count()));
                yield h.substring(0, num[0]) + pick(r, NUMBERS) + h.substring(num[1]);
            }
            case 1 -> { // a dtype is replaced
                int at = h.indexOf("\"dtype\":\"", r.nextInt(h.length()));
                if (at < 0) {
                    at = h.indexOf("\"dtype\":\"");
                }
                int s = at + 9;
                int e = h.indexOf('"', s);
                yield h.substring(0, s) + pick(r, DTYPES) + h.substring(e);
            }
            case 2 -> h.substring(0, t[0]) + h.substring(t[1]); // a token is dropped
            case 3 -> h.substring(0, t[0]) + pick(r, TOKENS) + h.substring(t[0]); // a token is inserted
            case 4 -> h.substring(0, t[0]) + tok + tok + h.substring(t[1]); // a token is doubled
            case 5 -> { // an entry is duplicated under another or the same name
                String entry = "\"" + (char) ('a' + r.nextInt(4)) + "\":{\"dtype\":\"F32\",\"shape\":[" + r.nextInt(5)
                        + "],\"data_offsets\":[" + pick(r, NUMBERS) + "," + pick(r, NUMBERS) + "]}";
                yield "{" + entry + "," + h.substring(1);
            }
            case 6 -> { // a tensor is renamed, possibly to a reserved, empty or duplicate name
                String[] names = {"__metadata__", "", "a", "b", "\\u0000", "x\\ud800"};
                int at = h.indexOf("\"" + (char) ('a' + r.nextInt(3)) + "\":");
                yield at < 0 ? h : h.substring(0, at) + "\"" + pick(r, names) + "\"" + h.substring(at + 3);
            }
            default -> { // metadata values of other kinds
                String[] meta = {"{\"format\":1}", "{\"format\":null}", "[]", "\"pt\"", "{\"k\":{}}", "{}", "null",
                        "{\"format\":\"pt\",\"format\":\"tf\"}"};
                yield h.replace("{\"format\":\"pt\"}", pick(r, meta));
            }
        };
    }

    @Test
    void mutatedHeadersOpenConsistentlyOrFailWithATypedError() throws Exception {
        SplittableRandom r = new SplittableRandom(5_2026_12_01L);
        Path p = tmp.resolve("fuzz.safetensors");
        int opened = 0;
        int rejected = 0;
        for (int iter = 0; iter < ITERATIONS; iter++) {
            String h = VALID;
            for (int k = 0, n = 1 + r.nextInt(3); k < n; k++) {
                h = mutate(r, h);
            }
            byte[] header = h.getBytes(StandardCharsets.UTF_8);
            long n = header.length;
            int data = DATA;
            switch (r.nextInt(6)) {
                case 0 -> n += r.nextInt(-8, 9); // the length prefix disagrees with the header
                case 1 -> data += r.nextInt(-4, 5); // truncated data or trailing bytes
                case 2 -> n = r.nextBoolean() ? Long.MAX_VALUE - r.nextInt(16) : 100_000_000L + r.nextInt(-2, 3);
                default -> { }
            }
            byte[] bytes = file(n, header, data);
            Files.write(p, bytes);
            try {
                try (SafetensorsFile f = SafetensorsFile.open(p)) {
                    long size = Files.size(p);
                    long covered = 0;
                    for (TensorInfo t : f.tensors().values()) {
                        assertThat(t.name()).isNotEmpty().isNotEqualTo("__metadata__");
                        assertThat(f.header().dataStart() + t.end()).isLessThanOrEqualTo(size);
                        assertThat(t.byteSize()).isEqualTo(t.numel() * t.dtype().bits() / 8);
                        covered += t.byteSize();
                        if (t.dtype().isMergeableFloat()) {
                            float[] out = new float[(int) t.numel()];
                            Conversions.toFloat(t.dtype(), f.bytes(t), 0, out, 0, out.length);
                        } else {
                            f.bytes(t);
                        }
                    }
                    assertThat(f.header().dataStart() + covered).isEqualTo(size);
                    opened++;
                }
            } catch (AmalgamException e) {
                assertThat(e).as(describe(bytes)).isInstanceOf(BadInputException.class);
                assertThat(e.getMessage()).as(describe(bytes)).startsWith("safetensors file " + p + " ");
                assertThat(e.getMessage()).as(describe(bytes)).doesNotContain("\n");
                rejected++;
            } catch (Throwable e) {
                throw new AssertionError("untyped failure " + e + " for " + describe(bytes), e);
            }
        }
        System.out.printf("header fuzz: %d mutated files, %d opened consistently, %d refused with a typed error%n",
                ITERATIONS, opened, rejected);
        assertThat(opened + rejected).isEqualTo(ITERATIONS);
        // the mutations must exercise both outcomes, or the test proves nothing
        assertThat(opened).as("mutations that still open").isGreaterThan(100);
        assertThat(rejected).as("mutations that are refused").isGreaterThan(ITERATIONS / 2);
    }

    private static String describe(byte[] bytes) {
        String text = new String(bytes, 8, Math.max(0, Math.min(bytes.length - 8, 400)), StandardCharsets.UTF_8);
        return "input " + HexFormat.of().formatHex(bytes, 0, Math.min(8, bytes.length)) + " | " + text;
    }
}
