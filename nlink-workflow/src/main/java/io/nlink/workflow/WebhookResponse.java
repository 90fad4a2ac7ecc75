package io.nlink.workflow;

import java.util.List;

/**
 * The HTTP answer a Respond to Webhook node gives the caller that started the run. The run goes on
 * after it; whoever started the run (the server's webhook route) decides how it reaches the caller.
 *
 * @param status      the HTTP status, 100 to 599
 * @param headers     extra response headers, checked by the node (no framing, cookie or security headers)
 * @param contentType the body's media type, or null when there is no body
 * @param body        the body as text (JSON already written out), or null for none
 */
public record WebhookResponse(int status, List<Header> headers, String contentType, String body) {
    public record Header(String name, String value) {}

    public WebhookResponse {
        headers = List.copyOf(headers);
    }
}
