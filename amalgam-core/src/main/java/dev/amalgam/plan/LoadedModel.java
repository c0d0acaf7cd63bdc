package dev.amalgam.plan;

import dev.amalgam.arch.ModelLayout;
import dev.amalgam.config.ModelReference;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.peft.LoraAdapter;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model of the recipe, located on disk, its headers read and its layout inferred.
 *
 * @param fromHubCache true when the model was found in the Hugging Face cache (a Hub model, named as such in the
 *                     model card), false for a local folder
 * @param loraPatches  for {@code model+lora}: what the adapter does to each base tensor it changes
 */
public record LoadedModel(ModelReference ref, Path dir, ModelFolder folder, ModelLayout layout, boolean fromHubCache,
                          Map<String, LoraAdapter.Patch> loraPatches) {
    /** A model without a LoRA adapter. */
    public LoadedModel(ModelReference ref, Path dir, ModelFolder folder, ModelLayout layout, boolean fromHubCache) {
        this(ref, dir, folder, layout, fromHubCache, Map.of());
    }

    /** How the model is named to the user: the reference as written in the recipe. */
    public String displayName() {
        return ref.toString();
    }
}
