package dev.amalgam.config;

import java.util.Objects;

/**
 * One entry of a conditional list: {@code {filter: self_attn, value: [0, 0.5, 1]}}.
 *
 * @param filter plain substring of the tensor name (no glob, no regex, as in mergekit); null or {@code "*"} matches
 *               every tensor
 * @param value  the setting used when the filter matches (a scalar, gradient or step list)
 */
public record ConditionalParameter(String filter, ParameterSetting value) {

    public ConditionalParameter {
        Objects.requireNonNull(value, "value");
    }

    /** mergekit: {@code filter is None or filter == "*" or (tensor_name and filter in tensor_name)}. */
    public boolean matches(String tensorName) {
        return filter == null
                || filter.equals("*")
                || (tensorName != null && !tensorName.isEmpty() && tensorName.contains(filter));
    }
}
