package dev.amalgam.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class LambdaSweepTest {
    @Test
    void decimalStepsIncludeTheEnd() {
        assertThat(LambdaSweep.parse("lambda=0.1:0.3:0.1").values().stream().map(BigDecimal::toPlainString))
                .containsExactly("0.1", "0.2", "0.3");
        assertThat(LambdaSweep.parse("lambda=0.1:3.0:0.1").values()).hasSize(30);
        assertThat(LambdaSweep.parse("lambda = 1:2:0.75").values().stream().map(BigDecimal::toPlainString))
                .containsExactly("1", "1.75");
    }

    @Test
    void folderNames() {
        assertThat(LambdaSweep.folderName(new BigDecimal("1.50"))).isEqualTo("lambda-1.5");
        assertThat(LambdaSweep.folderName(new BigDecimal("2.0"))).isEqualTo("lambda-2");
        assertThat(LambdaSweep.folderName(new BigDecimal("10"))).isEqualTo("lambda-10");
        assertThat(LambdaSweep.folderName(new BigDecimal("-0.25"))).isEqualTo("lambda--0.25");
    }

    @Test
    void badSpecsAreConfigErrors() {
        for (String bad : new String[] {"lambda", "lambda=1:2", "lambda=a:b:c", "lambda=1:0:1", "lambda=0:1:-1",
                "weight=0:1:0.5", "lambda=0:1000:0.5"}) {
            assertThatThrownBy(() -> LambdaSweep.parse(bad)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("--sweep");
        }
    }
}
