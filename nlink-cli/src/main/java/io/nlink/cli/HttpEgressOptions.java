package io.nlink.cli;

import io.nlink.workflow.http.EgressPolicy;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where workflows' HTTP requests may go, and their bounds (the SSRF guard, docs/security.md); shared by serve and workflow run. */
final class HttpEgressOptions {
    @Option(
            names = "--allow-http-to",
            paramLabel = "HOSTS",
            defaultValue = "${env:NLINK_ALLOW_HTTP_TO}",
            description = {
                "Internal destinations HTTP Request nodes may reach, comma-separated: host names (api.internal, *.corp.example),",
                "addresses (10.0.0.5, ::1) or networks (10.0.0.0/8, fd00::/8). Default: $NLINK_ALLOW_HTTP_TO, else none —",
                "loopback, private, link-local (cloud metadata), CGNAT and other internal addresses are refused."
            })
    String allow;

    @Option(
            names = "--http-timeout",
            paramLabel = "SECONDS",
            description =
                    "The longest one HTTP request of a workflow may take, redirects included (a node's timeout may shorten it). Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Option(
            names = "--http-max-response-mb",
            paramLabel = "MIB",
            description =
                    "The largest HTTP response body a workflow reads, after decompression. Default: ${DEFAULT-VALUE}.")
    int maxResponseMb;

    EgressPolicy policy() {
        if (timeoutSeconds < 1) throw new IllegalArgumentException("--http-timeout must be at least 1 second");
        if (maxResponseMb < 1) throw new IllegalArgumentException("--http-max-response-mb must be at least 1");
        EgressPolicy policy = EgressPolicy.DEFAULTS
                .withMaxTime(Duration.ofSeconds(timeoutSeconds))
                .withMaxResponseBytes(maxResponseMb * 1024L * 1024L);
        return allow == null || allow.isBlank() ? policy : policy.allowing(allow);
    }
}
