package dev.amalgam.arch;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What Amalgam knows about a model's structure, inferred from its tensor names and config.json: the layer stack
 * (names {@code <prefix>.<index>.<suffix>}), the tensors before it (embeddings) and after it (final norm, head).
 *
 * @param architecture   {@code config.architectures[0]}, or "unknown"
 * @param modelType      {@code config.model_type}, or null
 * @param layerPrefix    the prefix of the layer stack, e.g. {@code model.layers}; null for a model without layers
 * @param numLayers      layer count ({@code num_hidden_layers} or the like, else highest index + 1)
 * @param numLayersKey   dotted config.json key holding the layer count, or null when it was inferred from names
 * @param layerSuffixes  for each layer index, the tensor name suffixes that layer has
 * @param preWeights     non-layer tensors that belong before the stack (embeddings)
 * @param postWeights    non-layer tensors that belong after it (final norm, output head)
 * @param tiedTo         output-head names this model lacks that must be read from its input embedding
 */
public record ModelLayout(
        String architecture,
        String modelType,
        String layerPrefix,
        int numLayers,
        String numLayersKey,
        SortedMap<Integer, List<String>> layerSuffixes,
        List<String> preWeights,
        List<String> postWeights,
        Map<String, String> tiedTo) {

    public String layerTensorName(int layer, String suffix) {
        return layerPrefix + "." + layer + "." + suffix;
    }

    public List<String> suffixesOf(int layer) {
        return layerSuffixes.getOrDefault(layer, List.of());
    }

    /** The name to read for {@code name}: itself, or the embedding it is tied to. */
    public Optional<String> tiedSource(String name) {
        return Optional.ofNullable(tiedTo.get(name));
    }
}
