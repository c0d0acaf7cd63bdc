package dev.amalgam.exec;

import dev.amalgam.error.ConfigException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The values of {@code --sweep lambda=START:END:STEP}: START, START + STEP, … up to and including END, computed in
 * decimal so that {@code 0.1:0.3:0.1} gives 0.1, 0.2, 0.3 (not 0.30000000000000004), each written to
 * {@code OUT_PATH/lambda-<value>}. The spec's sweep for TSV/Iso/CART is 0.1:3.0:0.1 (methods.md §0.5).
 */
public record LambdaSweep(List<BigDecimal> values) {
    /** More outputs than this is almost certainly a typo in STEP. */
    public static final int MAX_VALUES = 1000;

    public static LambdaSweep parse(String spec) {
        String usage = "--sweep: expected lambda=START:END:STEP (e.g. lambda=0.5:1.5:0.25), got '" + spec + "'";
        int eq = spec.indexOf('=');
        if (eq < 0) {
            throw new ConfigException(usage);
        }
        String param = spec.substring(0, eq).trim();
        if (!param.equals("lambda")) {
            throw new ConfigException("--sweep: only 'lambda' can be swept, got '" + param + "'");
        }
        String[] parts = spec.substring(eq + 1).split(":", -1);
        if (parts.length != 3) {
            throw new ConfigException(usage);
        }
        BigDecimal start, end, step;
        try {
            start = new BigDecimal(parts[0].trim());
            end = new BigDecimal(parts[1].trim());
            step = new BigDecimal(parts[2].trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(usage);
        }
        if (step.signum() <= 0) {
            throw new ConfigException("--sweep: STEP must be positive, got " + step.toPlainString());
        }
        if (end.compareTo(start) < 0) {
            throw new ConfigException("--sweep: END (" + end.toPlainString() + ") is below START ("
                    + start.toPlainString() + ")");
        }
        List<BigDecimal> values = new ArrayList<>();
        for (BigDecimal v = start; v.compareTo(end) <= 0; v = v.add(step)) {
            if (values.size() == MAX_VALUES) {
                throw new ConfigException("--sweep: more than " + MAX_VALUES + " values from " + spec);
            }
            values.add(v);
        }
        return new LambdaSweep(List.copyOf(values));
    }

    /** The output folder name of one value: {@code lambda-0.5}, {@code lambda-1}, {@code lambda--0.25}. */
    public static String folderName(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return "lambda-" + (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }
}
