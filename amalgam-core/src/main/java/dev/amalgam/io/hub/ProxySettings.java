package dev.amalgam.io.hub;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy variables the Python tools honour through their HTTP libraries ({@code HTTPS_PROXY},
 * {@code HTTP_PROXY}, {@code ALL_PROXY}, lower-case too, and {@code NO_PROXY}), so a machine set up for
 * huggingface_hub behind a proxy works unchanged. The JDK client ignores these variables by itself.
 * Proxy credentials in the URL are not supported.
 */
final class ProxySettings extends ProxySelector {
    private final URI http;
    private final URI https;
    private final List<String> noProxy;

    private ProxySettings(URI http, URI https, List<String> noProxy) {
        this.http = http;
        this.https = https;
        this.noProxy = noProxy;
    }

    /** Null when no proxy variable is set. */
    static ProxySettings fromEnvironment(Map<String, String> env) {
        URI all = uri(first(env, "ALL_PROXY", "all_proxy"));
        URI http = uri(first(env, "HTTP_PROXY", "http_proxy"));
        URI https = uri(first(env, "HTTPS_PROXY", "https_proxy"));
        if (http == null && https == null && all == null) {
            return null;
        }
        List<String> no = new ArrayList<>();
        String list = first(env, "NO_PROXY", "no_proxy");
        if (list != null) {
            for (String s : list.split(",")) {
                if (!s.isBlank()) {
                    no.add(s.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return new ProxySettings(http != null ? http : all, https != null ? https : all, no);
    }

    /** The proxy for a URL, or null for a direct connection. */
    URI proxyFor(URI target) {
        String host = target.getHost() == null ? "" : target.getHost().toLowerCase(Locale.ROOT);
        for (String n : noProxy) {
            // requests' rules: "*" disables the proxy, otherwise a domain matches itself and its subdomains
            String d = n.startsWith("*.") ? n.substring(2) : n.startsWith(".") ? n.substring(1) : n;
            int colon = d.lastIndexOf(':');
            if (colon > 0 && d.indexOf(':') == colon) {
                d = d.substring(0, colon);
            }
            if (n.equals("*") || host.equals(d) || host.endsWith("." + d)) {
                return null;
            }
        }
        return "https".equalsIgnoreCase(target.getScheme()) ? https : http;
    }

    @Override
    public List<Proxy> select(URI uri) {
        URI p = proxyFor(uri);
        if (p == null) {
            return List.of(Proxy.NO_PROXY);
        }
        int port = p.getPort() > 0 ? p.getPort() : "https".equalsIgnoreCase(p.getScheme()) ? 443 : 80;
        return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(p.getHost(), port)));
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        // the request fails and is retried or reported by HubHttp
    }

    private static String first(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    private static URI uri(String s) {
        if (s == null) {
            return null;
        }
        URI u = URI.create(s.contains("://") ? s : "http://" + s);
        return u.getHost() == null ? null : u;
    }
}
