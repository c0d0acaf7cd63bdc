package dev.amalgam.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizeParserTest {
    @ParameterizedTest
    @CsvSource({"5B,5000000000", "500M,500000000", "1K,1000", "123,123", "0,0", "2GB,2000000000",
            "0.5GB,500000000", "2GiB,2147483648", "10mb,10000000", "1KiB,1024"})
    void parsesMergekitAndHuggingFaceSizes(String text, long bytes) {
        assertThat(SizeParser.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5B", "5X", "", "-1", "GB"})
    void rejectsOthersWithAHint(String text) {
        assertThatThrownBy(() -> SizeParser.parse(text)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("invalid size");
    }
}
