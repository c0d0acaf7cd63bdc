package dev.amalgam.merge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MethodRegistryTest {
    @Test
    void typoGetsASuggestion() {
        assertThat(MethodRegistry.unknownMessage("lineer", "x.yml:1:15: "))
                .startsWith("x.yml:1:15: unknown merge_method 'lineer'").contains("Did you mean 'linear'?");
    }

    @Test
    void plannedMergekitMethodIsNamedAsNotYetImplemented() {
        assertThat(MethodRegistry.unknownMessage("ties", "")).contains("does not implement yet");
    }

    @Test
    void registryHasLinearAndPassthrough() {
        assertThat(MethodRegistry.find("linear")).get().extracting(m -> m.info().name()).isEqualTo("linear");
        assertThat(MethodRegistry.find("passthrough")).isPresent();
        assertThat(dev.amalgam.util.Suggestions.editDistance("kitten", "sitting")).isEqualTo(3);
    }
}
