package dev.amalgam.lora.combine;

import dev.amalgam.io.peft.LoraFactors;

/**
 * One module of a combined adapter and how faithful it is.
 *
 * @param relativeError ‖target − B·A‖_F / ‖target‖_F, where target is the combination computed in delta space
 *                      (0 for the exact constructions; NaN in PEFT-compatible factor-space mode, whose target is
 *                      not defined in delta space)
 * @param note          how the module was built, for the report
 */
public record CombinedModule(LoraFactors factors, double relativeError, String note) {
}
