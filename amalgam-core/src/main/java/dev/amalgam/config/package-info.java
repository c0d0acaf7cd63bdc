/**
 * mergekit recipes as typed, located records ({@link dev.amalgam.config.MergeConfiguration}), read by
 * {@link dev.amalgam.config.ConfigParser}, with mergekit's parameter semantics (scalars, gradients, step lists,
 * conditional lists; {@link dev.amalgam.config.ParameterLookup} for precedence).
 *
 * <p>Deliberate differences from mergekit, each because the mergekit behaviour hides a mistake or crashes later:
 * <ul>
 *   <li>Unknown keys are warnings (mergekit ignores them silently); {@code residual_weight} gets a milder one.</li>
 *   <li>Duplicate keys in one mapping are errors (PyYAML keeps the last silently).</li>
 *   <li>A bare {@code {filter, value}} mapping is a one-entry conditional list plus a warning (mergekit crashes
 *       with "Unexpected setting value" at merge time).</li>
 *   <li>{@code 1e-5} is a number (PyYAML's float rule needs a dot and would give a string).</li>
 *   <li>Model paths, revisions and filters written as plain numbers are taken as text.</li>
 *   <li>{@code float64} is an accepted dtype; {@code int64} is refused as a merge dtype.</li>
 *   <li>{@code chat_template}, negative/reversed {@code layer_range}, and unequal slice lengths are checked when
 *       the recipe is read, before any download, and all problems are reported together.</li>
 *   <li>{@code layer_range} may be omitted (other tools use it that way); the planner decides whether it needs it.</li>
 *   <li>{@link dev.amalgam.config.MergeConfiguration#referencedModels()} is in recipe order and includes per-slice
 *       base models (mergekit returns a hash-ordered set without them).</li>
 * </ul>
 */
package dev.amalgam.config;
