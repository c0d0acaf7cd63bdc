package dev.amalgam.plan;

import dev.amalgam.io.model.ModelLocator;

/**
 * Choices that shape a plan but are not in the recipe.
 *
 * @param allowCrimes merge models whose architectures differ (mergekit's {@code --allow-crimes})
 * @param seed        the seed random methods draw from
 */
public record PlanOptions(ModelLocator locator, boolean allowCrimes, long seed) {
}
