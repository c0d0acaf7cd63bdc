package dev.amalgam.io.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.error.BadInputException;
import dev.amalgam.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates a safetensors header exactly as the reference reader does (formats.md §1.3), and stricter where the
 * spec says so: duplicate keys, empty names and unpaired surrogates are rejected. Every error names the file and,
 * where there is one, the tensor.
 */
final class HeaderParser {
    /** The reference's MAX_HEADER_SIZE; N equal to it is accepted. */
    static final long MAX_HEADER = 100_000_000L;

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static {
        STRICT.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(64).build());
    }

    private HeaderParser() {
    }

    /** Checks the 8-byte length prefix against the file size and returns N. */
    static long headerLength(Path path, long fileSize, long rawN) {
        if (fileSize < 8) {
            throw bad(path, "is only " + fileSize + " bytes long, too small to hold a safetensors header (at least 8"
                    + " bytes). The file is truncated or not a safetensors file; re-download it.");
        }
        if (Long.compareUnsigned(rawN, MAX_HEADER) > 0) {
            throw bad(path, "declares a header of " + Long.toUnsignedString(rawN) + " bytes, more than the 100 MB"
                    + " limit of the format. The file is corrupt or not a safetensors file.");
        }
        if (rawN == 0) {
            throw bad(path, "declares an empty header (length 0); a safetensors header is at least \"{}\".");
        }
        if (8 + rawN > fileSize) {
            throw bad(path, "declares a header of " + rawN + " bytes but the file has only " + (fileSize - 8)
                    + " bytes after the length prefix. The file is truncated; re-download it.");
        }
        return rawN;
    }

    static SafetensorsHeader parse(Path path, long fileSize, long n, byte[] headerBytes) {
        String text = decodeUtf8(path, headerBytes);
        checkFraming(path, text);
        JsonNode root;
        try {
            root = STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            if (msg != null && msg.startsWith("Duplicate field")) {
                throw bad(path, "has a header with a duplicate key: " + msg.replace("Duplicate field", "key")
                        + ". Safetensors forbids duplicates (readers disagree on which one wins).");
            }
            throw bad(path, "has a header that is not valid JSON (" + msg + ", at byte "
                    + e.getLocation().getCharOffset() + " of the header). The file is corrupt.");
        }
        if (root == null || !root.isObject()) {
            throw bad(path, "has a header that is not a JSON object");
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> infos = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                metadata = metadata(path, e.getValue());
                continue;
            }
            infos.add(tensor(path, name, e.getValue()));
        }
        infos.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long start = 0;
        for (TensorInfo t : infos) {
            if (t.begin() != start) {
                String what = t.begin() < start ? "overlaps the previous tensor's bytes" : "leaves a gap of "
                        + (t.begin() - start) + " bytes after the previous tensor";
                throw bad(path, "tensor '" + t.name() + "' has invalid data_offsets [" + t.begin() + ", " + t.end()
                        + "]: it " + what + " (expected to start at " + start + "). The file is corrupt.");
            }
            start = t.end();
        }
        long dataBytes = fileSize - 8 - n;
        if (start != dataBytes) {
            throw bad(path, start < dataBytes
                    ? "has " + (dataBytes - start) + " trailing bytes after the last tensor (tensors cover " + start
                    + " of " + dataBytes + " data bytes). The file is corrupt or was appended to."
                    : "is truncated: its tensors need " + start + " data bytes but the file has only " + dataBytes
                    + ". Re-download it.");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            tensors.put(t.name(), t);
        }
        return new SafetensorsHeader(path, n, metadata, Collections.unmodifiableMap(tensors));
    }

    /**
     * The header must be one JSON object, optionally surrounded by JSON whitespace (writers pad with spaces);
     * NUL padding or bytes after the closing brace are refused, as by the reference.
     */
    private static void checkFraming(Path path, String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isJsonSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isJsonSpace(text.charAt(end - 1))) {
            end--;
        }
        if (start == end || text.charAt(start) != '{' || text.charAt(end - 1) != '}') {
            char bad = start == end ? ' ' : text.charAt(start) != '{' ? text.charAt(start) : text.charAt(end - 1);
            throw bad(path, "has a header that is not a JSON object padded with spaces (found character U+"
                    + String.format("%04X", (int) bad) + (start == end ? ", empty" : text.charAt(start) != '{'
                    ? " at the start" : " at the end") + "). The file is corrupt or not a safetensors file.");
        }
    }

    private static boolean isJsonSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static String decodeUtf8(Path path, byte[] bytes) {
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
            throw bad(path, "has a header that starts with a UTF-8 byte-order mark, which safetensors forbids");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "has a header that is not valid UTF-8. The file is corrupt or not a safetensors file.");
        }
    }

    private static Map<String, String> metadata(Path path, JsonNode node) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw bad(path, "has a __metadata__ entry that is not an object of strings (found " + node.getNodeType()
                    + "); a tensor may not be named __metadata__");
        }
        if (node.has("dtype") && node.has("shape") && node.has("data_offsets")) {
            throw bad(path, "has a tensor named __metadata__, a name the format reserves for the string metadata"
                    + " map; the tool that wrote the file did not follow the format. Rename the"
                    + " tensor when saving.");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw bad(path, "has a non-string value for __metadata__ key '" + e.getKey() + "' (found "
                        + e.getValue().getNodeType() + "); metadata values must be strings");
            }
            checkText(path, e.getKey(), "metadata key");
            out.put(e.getKey(), e.getValue().asText());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo tensor(Path path, String name, JsonNode node) {
        if (name.isEmpty()) {
            throw bad(path, "has a tensor with an empty name");
        }
        checkText(path, name, "tensor name");
        if (!node.isObject()) {
            throw bad(path, "tensor '" + name + "': entry is not an object (found " + node.getNodeType() + ")");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsetsNode == null) {
            throw bad(path, "tensor '" + name + "': entry must have \"dtype\", \"shape\" and \"data_offsets\"");
        }
        if (!dtypeNode.isTextual()) {
            throw bad(path, "tensor '" + name + "': dtype must be a string");
        }
        DType dtype = DType.fromHeaderName(dtypeNode.asText()).orElseThrow(() -> bad(path, "tensor '" + name
                + "': unknown dtype '" + dtypeNode.asText() + "' (valid: " + String.join(", ",
                Arrays.stream(DType.values()).map(DType::headerName).toList()) + "; names are case-sensitive)"));
        if (!shapeNode.isArray()) {
            throw bad(path, "tensor '" + name + "': shape must be an array of non-negative integers");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegative(path, name, "shape", shapeNode.get(i));
        }
        if (!offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw bad(path, "tensor '" + name + "': data_offsets must be an array of two integers [begin, end]");
        }
        long begin = nonNegative(path, name, "data_offsets", offsetsNode.get(0));
        long end = nonNegative(path, name, "data_offsets", offsetsNode.get(1));
        long bits;
        try {
            long numel = 1;
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
            }
            bits = Math.multiplyExact(numel, (long) dtype.bits());
        } catch (ArithmeticException e) {
            throw bad(path, "tensor '" + name + "': shape " + Arrays.toString(shape) + " is too large (its byte size"
                    + " overflows)");
        }
        if (bits % 8 != 0) {
            throw bad(path, "tensor '" + name + "': " + Arrays.toString(shape) + " elements of " + dtype.headerName()
                    + " do not end on a byte boundary");
        }
        if (end < begin) {
            throw bad(path, "tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end
                    + "]: end before begin");
        }
        if (end - begin != bits / 8) {
            throw bad(path, "tensor '" + name + "': shape " + Arrays.toString(shape) + " of " + dtype.headerName()
                    + " needs " + bits / 8 + " bytes but data_offsets [" + begin + ", " + end + "] span "
                    + (end - begin) + " (invalid shape, data type, or offset)");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long nonNegative(Path path, String name, String field, JsonNode v) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw bad(path, "tensor '" + name + "': " + field + " must hold non-negative integers, found "
                    + (v == null ? "nothing" : v.toString()));
        }
        return v.asLong();
    }

    private static void checkText(Path path, String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    throw bad(path, "has a " + what + " with an unpaired surrogate escape (invalid Unicode)");
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw bad(path, "has a " + what + " with an unpaired surrogate escape (invalid Unicode)");
            }
        }
    }

    static BadInputException bad(Path path, String message) {
        return new BadInputException("safetensors file " + path + " " + message);
    }
}
