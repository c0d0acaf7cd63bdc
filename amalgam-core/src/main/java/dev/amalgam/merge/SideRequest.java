package dev.amalgam.merge;

/**
 * One side tensor a method needs for one output tensor.
 *
 * @param input    the input the side tensor belongs to (its reads follow that input's view when an embedding is
 *                 truncated to a shared vocabulary), or -1 for a side tensor of the output (optimizer state)
 * @param id       how the method asks for it at merge time, e.g. {@code fisher:0} (input 0) or {@code state:m}
 * @param param    the parameter whose value named the file (for messages)
 * @param path     the file, as written in the recipe (resolved like model paths)
 * @param key      the tensor's name in the file (an {@code alias.<key>} metadata entry may redirect it)
 * @param shape    the shape the side tensor must have
 * @param optional true when the file may lack the key (the method then does without it)
 */
public record SideRequest(int input, String id, String param, String path, String key, long[] shape, boolean optional) {
}
