package dev.amalgam.io.hub;

import dev.amalgam.error.BadInputException;
import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.io.safetensors.SafetensorsHeader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a safetensors header from the Hub without downloading the file (formats.md §4 "Header-only safetensors
 * inspection", as hf_api {@code get_safetensors_metadata}): {@code Range: bytes=0-100000} first, which holds the
 * whole header of almost every model, then {@code bytes=8-(N+7)} when it does not. The header is validated by the
 * same rules as a local file, with the file size taken from {@code Content-Range}.
 */
final class RemoteHeaders {
    static final int FIRST_RANGE = 100_000;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private RemoteHeaders() {
    }

    static SafetensorsHeader fetch(HubHttp http, String repoId, String commit, String name, Path localPath) {
        URI url = HubUrls.resolve(http.settings().endpoint(), repoId, commit, name);
        String what = "the header of '" + name + "' in '" + repoId + "'";
        Chunk first = get(http, url, 0, FIRST_RANGE, repoId, commit, what);
        long total = first.total;
        if (first.bytes.length < 8) {
            SafetensorsFile.headerLength(localPath, first.bytes.length, 0);
        }
        long rawN = ByteBuffer.wrap(first.bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long n = SafetensorsFile.headerLength(localPath, total, rawN);
        byte[] header;
        if (8 + n <= first.bytes.length) {
            header = Arrays.copyOfRange(first.bytes, 8, (int) (8 + n));
        } else {
            Chunk rest = get(http, url, 8, 8 + n - 1, repoId, commit, what);
            if (rest.bytes.length < n) {
                throw new BadInputException(what + ": the Hub sent " + rest.bytes.length + " of the " + n
                        + " header bytes asked for");
            }
            header = Arrays.copyOf(rest.bytes, (int) n);
        }
        return SafetensorsFile.parseHeader(localPath, total, header);
    }

    private record Chunk(byte[] bytes, long total) {
    }

    /** GET {@code bytes=from-to}; a server that ignores Range (200) is read only as far as needed. */
    private static Chunk get(HubHttp http, URI url, long from, long to, String repoId, String commit, String what) {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<InputStream> r = http.sendFollowing("GET", url,
                    HubHttp.headers("range", "bytes=" + from + "-" + to), true, what);
            HubErrors.check(r, http.settings(), repoId, commit, what);
            int want = (int) (to - from + 1);
            try (InputStream in = r.body()) {
                if (r.statusCode() == 206) {
                    String cr = r.headers().firstValue("content-range").orElse("");
                    Matcher m = CONTENT_RANGE.matcher(cr);
                    if (!m.matches() || m.group(3).equals("*") || Long.parseLong(m.group(1)) != from) {
                        throw new BadInputException(what + ": the Hub's range answer has an unusable Content-Range '"
                                + cr + "'");
                    }
                    return new Chunk(in.readNBytes(want), Long.parseLong(m.group(3)));
                }
                long total = r.headers().firstValueAsLong("content-length").orElse(-1);
                if (total < 0) {
                    throw new BadInputException(what + ": the Hub ignored the Range request and sent no length");
                }
                in.skipNBytes(from);
                return new Chunk(in.readNBytes(want), total);
            } catch (IOException e) {
                if (attempt >= http.retry().attempts()) {
                    throw http.unreachable(url, what, e);
                }
                http.retry().pause(http.retry().backoff(attempt));
            }
        }
    }
}
