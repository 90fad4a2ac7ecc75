package io.nlink.workflow.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * HTTP/1.1 requests that reach only where an {@link EgressPolicy} lets them: the host is resolved
 * once, every address it resolves to is checked, and the connection goes to a checked address, so
 * a DNS answer that changes between check and use (DNS rebinding) cannot send it elsewhere. Each
 * redirect is a new request, checked the same way. One request is bounded in time (from the
 * lookup to the last byte, a closer ends a stalled one) and in size (the body, after
 * decompression).
 *
 * <p>Why not {@code java.net.http.HttpClient}: it resolves the host itself, with no way to hand
 * it the checked address short of a JVM-wide resolver; here the socket is ours, and TLS is the
 * JDK's {@link SSLSocket} with its host-name verification and SNI for the URL's host.
 */
public final class GuardedHttp {
    public record Header(String name, String value) {}

    /**
     * @param headers       sent as given, after the ones nLink writes (Host, framing)
     * @param body          null for none
     * @param secretHeaders names of headers that carry a credential: dropped when a redirect
     *                      leaves the origin (scheme, host and port) they were meant for
     */
    public record Request(String method, URI uri, List<Header> headers, byte[] body, Set<String> secretHeaders) {}

    /**
     * @param reason  the status line's reason phrase ("Not Found"), possibly empty
     * @param headers names in lower case, in the order received
     * @param uri     where the response came from (after redirects)
     */
    public record Response(int status, String reason, List<Header> headers, byte[] body, URI uri) {
        public String header(String name) {
            for (Header h : headers) if (h.name().equals(name)) return h.value();
            return null;
        }
    }

    /** The request could not be made or completed: refused by the guard, timed out, too large, or failed on the wire. */
    public static final class HttpFailure extends Exception {
        public HttpFailure(String message) {
            super(message);
        }
    }

    /** Redirects: whether to follow them, and how many at most. */
    public record Redirects(boolean follow, int max) {}

    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int MAX_HEADERS = 256;
    private static final Set<String> REDIRECTS = Set.of("301", "302", "303", "307", "308");

    /** Ends requests that run past their time: closing the socket unblocks a read, a write or a handshake. */
    private static final ScheduledExecutorService CLOSER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nlink-http-deadline");
        t.setDaemon(true);
        return t;
    });

    private final EgressPolicy policy;

    public GuardedHttp(EgressPolicy policy) {
        this.policy = policy;
    }

    /**
     * Sends {@code request}, following redirects as {@code redirects} says.
     *
     * @param timeout the node's own bound; the policy's {@code maxTime} when longer or null
     */
    public Response send(Request request, Duration timeout, Redirects redirects) throws HttpFailure {
        Duration limit = timeout == null || timeout.compareTo(policy.maxTime()) > 0 ? policy.maxTime() : timeout;
        long deadline = System.nanoTime() + limit.toNanos();
        URI uri = ascii(request.uri());
        String method = request.method();
        byte[] body = request.body();
        List<Header> headers = request.headers();
        URI origin = uri;
        for (int hop = 0; ; hop++) {
            Target target = check(uri);
            Response response = exchange(target, method, uri, headers, body, deadline, limit);
            String location = response.header("location");
            if (!redirects.follow() || location == null || !REDIRECTS.contains(Integer.toString(response.status())))
                return response;
            if (hop >= redirects.max()) {
                throw new HttpFailure("stopped after " + redirects.max()
                        + " redirects (options.redirect.redirect.maxRedirects); the last led to " + shown(uri));
            }
            URI next;
            try {
                next = ascii(uri.resolve(new URI(location.strip())));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new HttpFailure(shown(uri) + " redirected to \"" + location + "\", which is not a valid URL");
            }
            int status = response.status();
            if (status == 303 || ((status == 301 || status == 302) && method.equals("POST"))) {
                method = status == 303 && method.equals("HEAD") ? "HEAD" : "GET";
                body = null;
                headers = headers.stream()
                        .filter(h -> !h.name().equalsIgnoreCase("content-type"))
                        .toList();
            }
            if (!sameOrigin(origin, next)) {
                // A credential meant for one site is not handed to the site it redirects to.
                headers = headers.stream()
                        .filter(h -> !request.secretHeaders().contains(h.name().toLowerCase(Locale.ROOT)))
                        .toList();
            }
            uri = next;
        }
    }

    /** Where a request goes: the checked addresses of the URL's host. */
    private record Target(String scheme, String host, int port, List<InetAddress> addresses) {}

    /**
     * The guard: only http and https, no user name in the URL, and every address the host
     * resolves to public or allowed by the operator.
     */
    private Target check(URI uri) throws HttpFailure {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new HttpFailure("refused " + shown(uri) + ": only http and https URLs are fetched");
        }
        if (uri.getRawUserInfo() != null) {
            throw new HttpFailure(
                    "refused " + shown(uri)
                            + ": the URL carries a user name (and maybe a password); keep secrets out of URLs and use a Basic Auth credential");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty())
            throw new HttpFailure("refused " + shown(uri) + ": the URL has no valid host name");
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        InetAddress[] resolved;
        try {
            resolved = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new HttpFailure(
                    "cannot resolve " + host + " (" + shown(uri) + "): no such host, or DNS is unreachable");
        }
        if (!policy.allowsHost(host)) {
            for (InetAddress address : resolved) {
                String kind = InternalAddresses.kind(address);
                if (kind != null && !policy.allowsAddress(address)) {
                    boolean literal = literalAddress(host);
                    String resolvedTo = address.getHostAddress();
                    throw new HttpFailure("refused " + shown(uri) + ": "
                            + (literal ? host + " is " : host + " resolves to " + resolvedTo + ", ")
                            + kind
                            + ". Workflows may not reach internal addresses (the SSRF guard, docs/security.md); an operator can allow this one with "
                            + EgressPolicy.SETTING + " " + (literal ? host : host + " (or " + resolvedTo + ")"));
                }
            }
        }
        return new Target(scheme, host, port, List.of(resolved));
    }

    private Response exchange(
            Target target, String method, URI uri, List<Header> headers, byte[] body, long deadline, Duration limit)
            throws HttpFailure {
        AtomicBoolean timedOut = new AtomicBoolean();
        Socket socket = null;
        ScheduledFuture<?> closer = null;
        try {
            socket = connect(target, deadline, limit, uri);
            Socket connected = socket;
            closer = CLOSER.schedule(
                    () -> {
                        timedOut.set(true);
                        closeQuietly(connected);
                    },
                    Math.max(1, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
            if (target.scheme().equals("https")) socket = tls(socket, target);
            socket.setSoTimeout((int) Math.max(
                    1,
                    Math.min(
                            Integer.MAX_VALUE,
                            Duration.ofNanos(deadline - System.nanoTime()).toMillis())));
            OutputStream out = socket.getOutputStream();
            out.write(head(method, uri, target, headers, body));
            if (body != null) out.write(body);
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            return read(in, method, uri);
        } catch (HttpFailure e) {
            throw timedOut.get() ? timeout(uri, limit) : e;
        } catch (IOException e) {
            if (timedOut.get() || System.nanoTime() - deadline >= 0 || e instanceof java.net.SocketTimeoutException)
                throw timeout(uri, limit);
            throw new HttpFailure("the request to " + shown(uri) + " failed: " + describe(e));
        } finally {
            if (closer != null) closer.cancel(false);
            closeQuietly(socket);
        }
    }

    /** Connects to the first checked address that answers. */
    private static Socket connect(Target target, long deadline, Duration limit, URI uri) throws HttpFailure {
        IOException last = null;
        for (InetAddress address : target.addresses()) {
            long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
            if (left <= 0) throw timeout(uri, limit);
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, target.port()), (int) Math.min(Integer.MAX_VALUE, left));
                return socket;
            } catch (IOException e) {
                closeQuietly(socket);
                last = e;
            }
        }
        if (last instanceof java.net.SocketTimeoutException) throw timeout(uri, limit);
        throw new HttpFailure("cannot connect to " + shown(uri) + ": " + describe(last));
    }

    private Socket tls(Socket plain, Target target) throws IOException {
        SSLContext context = policy.tls();
        SSLSocketFactory factory =
                context == null ? (SSLSocketFactory) SSLSocketFactory.getDefault() : context.getSocketFactory();
        SSLSocket ssl = (SSLSocket) factory.createSocket(plain, target.host(), target.port(), true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the URL's host
        if (!literalAddress(target.host())) parameters.setServerNames(List.of(new SNIHostName(target.host())));
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        return ssl;
    }

    private static byte[] head(String method, URI uri, Target target, List<Header> headers, byte[] body) {
        StringBuilder h = new StringBuilder();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        h.append(method)
                .append(' ')
                .append(path)
                .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                .append(" HTTP/1.1\r\n");
        String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
        boolean defaultPort = target.port() == (target.scheme().equals("https") ? 443 : 80);
        h.append("Host: ")
                .append(host)
                .append(defaultPort ? "" : ":" + target.port())
                .append("\r\n");
        boolean userAgent = false, accept = false;
        for (Header header : headers) {
            h.append(header.name()).append(": ").append(header.value()).append("\r\n");
            userAgent |= header.name().equalsIgnoreCase("user-agent");
            accept |= header.name().equalsIgnoreCase("accept");
        }
        if (!userAgent) h.append("User-Agent: nLink\r\n");
        if (!accept)
            h.append(
                    "Accept: application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, image/*;q=0.8, */*;q=0.7\r\n");
        h.append("Accept-Encoding: gzip, deflate\r\n");
        if (body != null) {
            h.append("Content-Length: ").append(body.length).append("\r\n");
        } else if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
            h.append("Content-Length: 0\r\n");
        }
        h.append("Connection: close\r\n\r\n");
        return h.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Response read(InputStream in, String method, URI uri) throws IOException, HttpFailure {
        while (true) {
            String statusLine = line(in, uri);
            if (!statusLine.matches("HTTP/1\\.[01] [1-9][0-9]{2}( .*)?")) {
                throw new HttpFailure(shown(uri) + " did not answer with HTTP/1.x (its first line: \""
                        + printable(statusLine, 80) + "\")");
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            List<Header> headers = headers(in, uri);
            if (status >= 100 && status < 200) continue; // 100 Continue, 103 Early Hints: the answer follows
            byte[] raw = body(in, method, status, headers, uri);
            String reason = statusLine.length() > 13 ? printable(statusLine.substring(13), 200) : "";
            return new Response(status, reason, headers, decoded(raw, headers, uri), uri);
        }
    }

    private static List<Header> headers(InputStream in, URI uri) throws IOException, HttpFailure {
        List<Header> headers = new ArrayList<>();
        int bytes = 0;
        while (true) {
            String line = line(in, uri);
            if (line.isEmpty()) return headers;
            bytes += line.length();
            if (bytes > MAX_HEADER_BYTES || headers.size() >= MAX_HEADERS) {
                throw new HttpFailure(shown(uri) + " sent more than " + MAX_HEADER_BYTES / 1024 + " KiB or "
                        + MAX_HEADERS + " headers");
            }
            if ((line.startsWith(" ") || line.startsWith("\t"))
                    && !headers.isEmpty()) { // an obsolete folded line continues the last header
                Header last = headers.remove(headers.size() - 1);
                headers.add(new Header(last.name(), last.value() + " " + line.strip()));
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0)
                throw new HttpFailure(shown(uri) + " sent a malformed header line: \"" + printable(line, 80) + "\"");
            headers.add(new Header(
                    line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).strip()));
        }
    }

    private byte[] body(InputStream in, String method, int status, List<Header> headers, URI uri)
            throws IOException, HttpFailure {
        if (method.equals("HEAD") || status == 204 || status == 304) return new byte[0];
        Bounded out = new Bounded(policy.maxResponseBytes(), uri);
        String transfer = all(headers, "transfer-encoding");
        if (transfer != null && transfer.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String sizeLine = line(in, uri);
                int semicolon = sizeLine.indexOf(';');
                long size;
                try {
                    size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new HttpFailure(
                            shown(uri) + " sent a malformed chunk size: \"" + printable(sizeLine, 40) + "\"");
                }
                if (size < 0) throw new HttpFailure(shown(uri) + " sent a negative chunk size");
                if (size == 0) break;
                out.copy(in, size);
                if (!line(in, uri).isEmpty()) throw new HttpFailure(shown(uri) + " sent a chunk longer than its size");
            }
            headers(in, uri); // trailers, ignored
            return out.bytes();
        }
        String length = all(headers, "content-length");
        if (length != null) {
            long n;
            try {
                String[] values = length.split(",");
                n = Long.parseLong(values[0].strip());
                for (String v : values) if (Long.parseLong(v.strip()) != n) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw new HttpFailure(
                        shown(uri) + " sent an invalid Content-Length: \"" + printable(length, 40) + "\"");
            }
            if (n < 0) throw new HttpFailure(shown(uri) + " sent a negative Content-Length");
            out.check(n);
            out.copy(in, n);
            return out.bytes();
        }
        out.copyToEnd(in);
        return out.bytes();
    }

    /** The body as sent before its Content-Encoding (gzip, deflate), bounded likewise. */
    private byte[] decoded(byte[] raw, List<Header> headers, URI uri) throws HttpFailure {
        String encoding = all(headers, "content-encoding");
        if (encoding == null || raw.length == 0) return raw;
        String e = encoding.strip().toLowerCase(Locale.ROOT);
        if (e.equals("identity")) return raw;
        Bounded out = new Bounded(policy.maxResponseBytes(), uri);
        try {
            InputStream decoding = switch (e) {
                case "gzip", "x-gzip" -> new GZIPInputStream(new ByteArrayInputStream(raw));
                // "deflate" is meant to be zlib-wrapped; some servers send it raw.
                case "deflate" ->
                    new InflaterInputStream(new ByteArrayInputStream(raw), new Inflater((raw[0] & 0x0f) != 8));
                default ->
                    throw new HttpFailure(shown(uri) + " answered in Content-Encoding \"" + printable(encoding, 40)
                            + "\", which nLink did not ask for and cannot decode");
            };
            try (decoding) {
                out.copyToEnd(decoding);
            }
        } catch (IOException x) {
            throw new HttpFailure(shown(uri) + " sent a body that does not decode as " + e + ": " + describe(x));
        }
        return out.bytes();
    }

    /** A byte sink that refuses to grow past the policy's bound. */
    private final class Bounded {
        private final long max;
        private final URI uri;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final byte[] buffer = new byte[16 * 1024];

        Bounded(long max, URI uri) {
            this.max = max;
            this.uri = uri;
        }

        void check(long more) throws HttpFailure {
            if (bytes.size() + more > max) {
                throw new HttpFailure("the response from " + shown(uri) + " is larger than " + readable(max)
                        + ", the most nLink reads (the operator's setting --http-max-response-mb)");
            }
        }

        void copy(InputStream in, long n) throws IOException, HttpFailure {
            check(n);
            long left = n;
            while (left > 0) {
                int r = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (r < 0) throw new HttpFailure(shown(uri) + " closed the connection before the whole body arrived");
                bytes.write(buffer, 0, r);
                left -= r;
            }
        }

        void copyToEnd(InputStream in) throws IOException, HttpFailure {
            int r;
            while ((r = in.read(buffer)) >= 0) {
                check(r);
                bytes.write(buffer, 0, r);
            }
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    /** One CRLF- (or LF-) ended line, in ISO-8859-1 as HTTP's header bytes are read. */
    private static String line(InputStream in, URI uri) throws IOException, HttpFailure {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (line.isEmpty())
                    throw new HttpFailure(shown(uri) + " closed the connection without a complete answer");
                return line.toString();
            }
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() >= MAX_LINE)
                throw new HttpFailure(shown(uri) + " sent a header line longer than " + MAX_LINE / 1024 + " KiB");
            line.append((char) b);
        }
    }

    /** Every value of header {@code name}, joined with commas as HTTP combines them; null when absent. */
    private static String all(List<Header> headers, String name) {
        String joined = null;
        for (Header h : headers)
            if (h.name().equals(name)) joined = joined == null ? h.value() : joined + "," + h.value();
        return joined;
    }

    /** The URL as messages show it: scheme, host, port and path, never the query (a credential may be there). */
    public static String shown(URI uri) {
        String host = uri.getHost() == null ? uri.getRawAuthority() : uri.getHost();
        if (host != null && host.contains("@")) host = host.substring(host.lastIndexOf('@') + 1);
        return (uri.getScheme() == null ? "" : uri.getScheme() + "://")
                + (host == null ? "" : host)
                + (uri.getPort() == -1 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : printable(uri.getRawPath(), 200));
    }

    /** Non-ASCII host names in their IDNA form, the rest as the URI gives it: what goes on the wire. */
    private static URI ascii(URI uri) throws HttpFailure {
        try {
            URI plain = new URI(uri.toASCIIString());
            if (plain.getHost() == null
                    && plain.getRawAuthority() != null
                    && !plain.getRawAuthority().contains("@")) {
                String authority = plain.getRawAuthority();
                String host = authority.contains(":") && !authority.startsWith("[")
                        ? authority.substring(0, authority.lastIndexOf(':'))
                        : authority;
                String port = authority.substring(host.length());
                String idn =
                        IDN.toASCII(java.net.URLDecoder.decode(host, StandardCharsets.UTF_8), IDN.ALLOW_UNASSIGNED);
                return new URI(
                        plain.getScheme() + "://" + idn + port + (plain.getRawPath() == null ? "" : plain.getRawPath())
                                + (plain.getRawQuery() == null ? "" : "?" + plain.getRawQuery()));
            }
            return plain;
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new HttpFailure("\"" + printable(uri.toString(), 200) + "\" is not a valid URL: " + e.getMessage());
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && String.valueOf(a.getHost()).equalsIgnoreCase(String.valueOf(b.getHost()))
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static boolean literalAddress(String host) {
        return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static HttpFailure timeout(URI uri, Duration limit) {
        return new HttpFailure("the request to " + shown(uri) + " took longer than " + readable(limit)
                + " (the node's options.timeout, at most the operator's --http-timeout) and was stopped");
    }

    private static String readable(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String readable(long bytes) {
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB" : bytes + " bytes";
    }

    private static String describe(Throwable e) {
        return e == null
                ? "no address to try"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** At most {@code max} characters, control characters shown as '?': what a hostile server sent, made safe to show. */
    private static String printable(String s, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > max ? out + "…" : out.toString();
    }

    private static void closeQuietly(Socket socket) {
        if (socket == null) return;
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that is left to do
        }
    }
}
