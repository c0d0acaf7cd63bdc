package dev.amalgam.util;

import dev.amalgam.error.ConfigException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses shard sizes. mergekit's syntax is an integer with an optional decimal K/M/B suffix ({@code 5B} = 5·10⁹
 * bytes; compat.md §3.1); Hugging Face's is a number with KB/MB/GB/TB (decimal) or KiB/MiB/GiB/TiB (binary)
 * (formats.md §2.2). Both are accepted.
 */
public final class SizeParser {
    private static final Pattern MERGEKIT = Pattern.compile("(\\d+)([KMB]?)");
    private static final Pattern HF = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]I?B)", Pattern.CASE_INSENSITIVE);

    private SizeParser() {
    }

    public static long parse(String text) {
        String s = text.trim();
        Matcher m = MERGEKIT.matcher(s);
        if (m.matches()) {
            long mult = switch (m.group(2)) {
                case "K" -> 1_000L;
                case "M" -> 1_000_000L;
                case "B" -> 1_000_000_000L;
                default -> 1L;
            };
            return Math.multiplyExact(Long.parseLong(m.group(1)), mult);
        }
        m = HF.matcher(s);
        if (m.matches()) {
            String unit = m.group(2).toUpperCase(Locale.ROOT);
            boolean binary = unit.contains("I");
            int power = "KMGT".indexOf(unit.charAt(0)) + 1;
            BigDecimal mult = binary ? BigDecimal.valueOf(1024).pow(power) : BigDecimal.valueOf(1000).pow(power);
            return new BigDecimal(m.group(1)).multiply(mult).longValueExact();
        }
        throw new ConfigException("invalid size '" + text + "': use an integer with an optional K/M/B suffix as"
                + " mergekit does (5B = 5,000,000,000 bytes; fractions like 1.5B are not accepted, write 1500M),"
                + " or a size such as 500MB, 2GB or 2GiB");
    }
}
