package dev.amalgam.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelReferenceTest {

    @Test
    void fullStringForm() {
        ModelReference r = ModelReference.parse("org/model@rev+org/lora@rev2");
        assertThat(r.path()).isEqualTo("org/model");
        assertThat(r.revision()).isEqualTo("rev");
        assertThat(r.hasLora()).isTrue();
        assertThat(r.lora()).isEqualTo(new ModelReference("org/lora", "rev2", null, null));
        assertThat(r.overrideArchitecture()).isNull();
        assertThat(r.toString()).isEqualTo("org/model@rev+org/lora@rev2");
        assertThat(r.withoutLora()).isEqualTo(new ModelReference("org/model", "rev", null, null));
    }

    @Test
    void simpleForms() {
        assertThat(ModelReference.parse("./models/a")).isEqualTo(ModelReference.of("./models/a"));
        assertThat(ModelReference.parse("a+b")).satisfies(r -> {
            assertThat(r.revision()).isNull();
            assertThat(r.lora().path()).isEqualTo("b");
            assertThat(r.toString()).isEqualTo("a+b");
        });
        assertThat(ModelReference.parse("a@main").toString()).isEqualTo("a@main");
        assertThat(ModelReference.parse("a@v1").hasLora()).isFalse();
        // value equality is what lets the planner deduplicate inputs
        assertThat(ModelReference.parse("x@1+y")).isEqualTo(ModelReference.parse("x@1+y"))
                .hasSameHashCodeAs(ModelReference.parse("x@1+y"));
    }

    @Test
    void syntaxErrors() {
        assertThatThrownBy(() -> ModelReference.parse("a+b+c"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than one '+'");
        assertThatThrownBy(() -> ModelReference.parse("a@b@c"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than one '@'");
        assertThatThrownBy(() -> ModelReference.parse("a+l@1@2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LoRA part");
        assertThatThrownBy(() -> ModelReference.parse(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty path");
        assertThatThrownBy(() -> ModelReference.parse("+lora"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty path");
        assertThatThrownBy(() -> ModelReference.parse("a@"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty revision");
    }

    @Test
    void dictFormsInARecipe() {
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: linear
                models:
                  - model:
                      model: {path: org/base, revision: abc123}
                      lora: {path: org/adapter}
                      override_architecture: MistralForCausalLM
                  - model: {model: "org/m@v2"}
                  - model: {model: "weird+path"}
                  - model:
                      model: org/x
                      lora: org/l@r
                  - model: org/m@v2
                """, "dict.yml");
        ModelReference first = c.models().get(0).model();
        assertThat(first).isEqualTo(new ModelReference("org/base", "abc123", ModelReference.of("org/adapter"),
                "MistralForCausalLM"));
        assertThat(first.toString()).isEqualTo("org/base@abc123+org/adapter");
        assertThat(c.models().get(1).model()).isEqualTo(new ModelReference("org/m", "v2", null, null));
        // inside the dict form '+' is not a separator (mergekit's ModelPath)
        assertThat(c.models().get(2).model().path()).isEqualTo("weird+path");
        assertThat(c.models().get(3).model().lora()).isEqualTo(new ModelReference("org/l", "r", null, null));
        assertThat(c.referencedModels()).hasSize(4);
    }

    @Test
    void numericRevisionIsTakenAsWritten() {
        MergeConfiguration c = ConfigParser.parse("""
                merge_method: linear
                models:
                  - model: {model: {path: org/m, revision: 0123}}
                """, "rev.yml");
        assertThat(c.models().get(0).model().revision()).isEqualTo("0123");
    }
}
