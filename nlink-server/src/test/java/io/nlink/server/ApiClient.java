package io.nlink.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** A caller of the REST API, as a browser (cookie + CSRF token) or a script (API key) would be. */
final class ApiClient {
    final String base;
    private final HttpClient http;
    String csrf;
    String apiKey;

    record Response(int status, byte[] body, HttpResponse<byte[]> raw) {
        JsonNode json() {
            try {
                return Json.parse(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + new String(body, StandardCharsets.UTF_8), e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    ApiClient(String base) {
        this(base, HttpClient.newBuilder().cookieHandler(new CookieManager()).build());
    }

    /**
     * A browser on another machine, as the server sees it: its connections come from
     * {@code localAddress}, such as 127.0.0.2 (all of 127.0.0.0/8 is loopback on Linux).
     */
    static ApiClient from(String base, java.net.InetAddress localAddress) {
        return new ApiClient(
                base,
                HttpClient.newBuilder()
                        .cookieHandler(new CookieManager())
                        .localAddress(localAddress)
                        .build());
    }

    private ApiClient(String base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    /** The same browser (cookies, CSRF token, API key) talking to a server at another address. */
    ApiClient at(String otherBase) {
        ApiClient moved = new ApiClient(otherBase, http);
        moved.csrf = csrf;
        moved.apiKey = apiKey;
        return moved;
    }

    Response get(String path) {
        return send(request(path).GET());
    }

    Response delete(String path) {
        return send(request(path).DELETE());
    }

    Response post(String path, Object json) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(json))));
    }

    /** Any method with a JSON body (PUT, PATCH). */
    Response send(String method, String path, Object json) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(json))));
    }

    Response postRaw(String path, String contentType, byte[] body) {
        return send(
                request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Uploads a ZIP as the dashboard does: multipart/form-data, field "package". */
    Response upload(byte[] zip) {
        String boundary = "nlink-test-boundary-7f3a";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(
                ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"package\"; filename=\"node.zip\"\r\n"
                                + "Content-Type: application/zip\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(zip);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return postRaw("/api/nodes", "multipart/form-data; boundary=" + boundary, body.toByteArray());
    }

    /** Signs in and keeps the session's CSRF token for later calls. */
    Response login(String username, String password) {
        Response r = post("/api/session", java.util.Map.of("username", username, "password", password));
        if (r.status() == 200) csrf = r.json().path("csrfToken").asText();
        return r;
    }

    /** A GET whose body is read line by line as it comes (a Server-Sent Events stream); the caller closes the lines. */
    HttpResponse<java.util.stream.Stream<String>> lines(String path) {
        try {
            return http.send(
                    request(path).header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (csrf != null) b.header("X-CSRF-Token", csrf);
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        return b;
    }

    private Response send(HttpRequest.Builder builder) {
        try {
            HttpResponse<byte[]> r = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
