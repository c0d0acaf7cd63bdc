package dev.amalgam.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MethodRegistryTest {
    /** mergekit's registry (compat.md §1.1). */
    private static final List<String> MERGEKIT = List.of("linear", "slerp", "nuslerp", "passthrough", "model_stock",
            "arcee_fusion", "karcher", "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs",
            "breadcrumbs_ties", "della", "della_linear", "multislerp", "nearswap", "sce", "ram", "ramplus_tl");

    @Test
    void typoGetsASuggestion() {
        assertThat(MethodRegistry.unknownMessage("lineer", "x.yml:1:15: "))
                .startsWith("x.yml:1:15: unknown merge_method 'lineer'").contains("Did you mean 'linear'?");
        assertThat(MethodRegistry.unknownMessage("dare-ties", "")).contains("Did you mean 'dare_ties'?");
        assertThat(MethodRegistry.unknownMessage("Breadcrumbs_TIES", "")).contains("Did you mean 'breadcrumbs_ties'?");
    }

    @Test
    void everyMergekitMethodIsRegistered() {
        for (String name : MERGEKIT) {
            assertThat(MethodRegistry.find(name)).as(name).isPresent();
            assertThat(MethodRegistry.find(name).get().info().name()).isEqualTo(name);
        }
    }

    @Test
    void everyMethodHasAOneLineDescriptionForTheListing() {
        for (String name : MethodRegistry.names()) {
            String d = MethodRegistry.find(name).orElseThrow().info().description();
            assertThat(d).as(name).isNotBlank().doesNotContain("\n");
            assertThat(d.length()).as(name + " description length").isLessThanOrEqualTo(110);
        }
    }

    @Test
    void registryHasTheTaskArithmeticFamilyAsRowsOfOneMethod() {
        assertThat(MethodRegistry.find("linear")).get().extracting(m -> m.info().name()).isEqualTo("linear");
        assertThat(MethodRegistry.find("passthrough")).isPresent();
        for (String name : List.of("task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs",
                "breadcrumbs_ties", "della", "della_linear")) {
            MergeMethod m = MethodRegistry.find(name).orElseThrow();
            assertThat(m).as(name).isInstanceOf(dev.amalgam.merge.methods.GeneralizedTaskArithmetic.class);
            assertThat(m.info().rectification()).isEqualTo(EmbedRectification.TO_BASE_SHAPE);
            assertThat(m.info().baseModel()).isEqualTo(BaseModelUse.REQUIRED);
            assertThat(m.info().description()).isNotBlank();
        }
        assertThat(MethodRegistry.find("sce")).isPresent();
        assertThat(dev.amalgam.util.Suggestions.editDistance("kitten", "sitting")).isEqualTo(3);
    }

    @Test
    void defaultsMatchMergekitsTable() {
        // compat.md §1.1: normalize / rescale defaults per row
        String[][] rows = {{"task_arithmetic", "false", "false"}, {"ties", "true", "false"},
                {"dare_ties", "false", "true"}, {"dare_linear", "false", "true"}, {"breadcrumbs", "false", "false"},
                {"breadcrumbs_ties", "false", "false"}, {"della", "true", "true"}, {"della_linear", "false", "true"}};
        for (String[] r : rows) {
            MethodInfo info = MethodRegistry.find(r[0]).orElseThrow().info();
            assertThat(info.param("normalize").orElseThrow().defaultText()).as(r[0] + " normalize").isEqualTo(r[1]);
            assertThat(info.param("rescale").orElseThrow().defaultText()).as(r[0] + " rescale").isEqualTo(r[2]);
            assertThat(info.param("lambda").orElseThrow().defaultText()).isEqualTo("1");
            assertThat(info.param("weight").orElseThrow().required()).isTrue();
        }
        assertThat(MethodRegistry.find("breadcrumbs").orElseThrow().info().param("gamma").orElseThrow().defaultText())
                .isEqualTo("0.01");
        assertThat(MethodRegistry.find("della").orElseThrow().info().param("epsilon").orElseThrow().defaultText())
                .isEqualTo("0.15");
        assertThat(MethodRegistry.find("sce").orElseThrow().info().param("select_topk").orElseThrow().defaultText())
                .isEqualTo("1");
    }
}
