package dev.amalgam.io.hub;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The two content ids the Hub uses (formats.md §3): LFS files are named by the sha256 of their content, regular
 * files by their git blob id, sha1 of {@code "blob <size>\0" + content}.
 */
final class Hashes {
    private Hashes() {
    }

    static boolean isSha256(String etag) {
        return etag.matches("[0-9a-f]{64}");
    }

    static boolean isGitSha1(String etag) {
        return etag.matches("[0-9a-f]{40}");
    }

    static MessageDigest sha256() {
        return digest("SHA-256");
    }

    /** A sha1 digest already fed the git blob prefix for content of {@code size} bytes. */
    static MessageDigest gitBlob(long size) {
        MessageDigest d = digest("SHA-1");
        d.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        return d;
    }

    /** The digest that checks a download against its etag, or null when the etag is neither kind of id. */
    static MessageDigest forEtag(String etag, long size) {
        return isSha256(etag) ? sha256() : isGitSha1(etag) ? gitBlob(size) : null;
    }

    static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }

    static String sha256Hex(byte[] data) {
        MessageDigest d = sha256();
        d.update(data);
        return hex(d);
    }

    static String gitSha1Hex(byte[] data) {
        MessageDigest d = gitBlob(data.length);
        d.update(data);
        return hex(d);
    }

    private static MessageDigest digest(String alg) {
        try {
            return MessageDigest.getInstance(alg);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " is part of every JDK", e);
        }
    }
}
