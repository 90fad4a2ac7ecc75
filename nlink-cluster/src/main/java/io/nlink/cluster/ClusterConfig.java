package io.nlink.cluster;

import io.nlink.runtime.SandboxLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How this process takes part in an nLink cluster. Every setting has a default that makes a lone
 * member with nothing to set up; change one with the {@code with…} methods.
 *
 * @param name          the cluster's name: members with other names never join each other.
 *                      Default {@code nlink}
 * @param host          the interface this member listens on and announces. Default
 *                      {@code 127.0.0.1}: no other machine can join until you name a reachable
 *                      address (members talk in the clear, so keep them on a private network)
 * @param port          the TCP port for members. Default 5701; when taken, the next free one up
 *                      to 5800 is used (several members on one machine)
 * @param members       {@code host:port} of members to join; empty (the default) means alone.
 *                      Listing only some is enough: a member learns the rest from them
 * @param lanes         sandbox instances this member runs at once, one per thread, for chunks
 *                      of other members' batches. Default: the machine's cores. Each lane holds
 *                      one instance per node (up to 32 MiB of guest memory) until it has been
 *                      idle for {@code idleLaneTimeout}
 * @param cacheDirectory where compiled modules are kept between runs; null keeps them in memory
 *                      only. Default null
 * @param failureTimeout how long a silent member is waited for before it is declared dead and its
 *                      work runs elsewhere. Default 10 s. Lower detects a killed machine sooner;
 *                      too low drops members that pause (a long GC) and reruns their chunks
 * @param idleLaneTimeout how long a lane may sit unused before its sandbox instance is closed and
 *                      its guest memory freed. Default 60 s. Longer keeps nodes warm across
 *                      quiet spells (a new lane starts an instance: milliseconds for C, tens for
 *                      Go); shorter gives memory back sooner
 * @param secret        the cluster secret, the same on every member, or null for none. Members
 *                      with another secret, or none, are turned away at join, and every task and
 *                      answer between members is sealed with a key derived from it (AES-256-GCM):
 *                      a process without it can neither read nor forge work. Required, at least
 *                      {@value #MIN_SECRET_LENGTH} characters, when {@code host} is not a loopback
 *                      address. Default null. Costs one AES-GCM pass over each chunk and answer
 *                      (about a microsecond per KiB, docs/scaling.md)
 * @param limits        the most a chunk from another member may ask of this member's sandboxes:
 *                      its memory, JavaScript memory, context, output and log sizes are capped by
 *                      these (timeouts are the sender's). Default {@link SandboxLimits#DEFAULTS}
 */
public record ClusterConfig(
        String name,
        String host,
        int port,
        List<String> members,
        int lanes,
        Path cacheDirectory,
        Duration failureTimeout,
        Duration idleLaneTimeout,
        String secret,
        SandboxLimits limits) {

    public static final int MIN_SECRET_LENGTH = 16;
    /** The most lanes or service slots a member may have, and so the most any peer is believed to announce. */
    public static final int MAX_LANES = 1024;

    public static final ClusterConfig DEFAULTS = new ClusterConfig(
            "nlink",
            "127.0.0.1",
            5701,
            List.of(),
            Runtime.getRuntime().availableProcessors(),
            null,
            Duration.ofSeconds(10),
            Duration.ofSeconds(60),
            null,
            SandboxLimits.DEFAULTS);

    public ClusterConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(failureTimeout, "failureTimeout");
        Objects.requireNonNull(idleLaneTimeout, "idleLaneTimeout");
        Objects.requireNonNull(limits, "limits");
        members = List.copyOf(members);
        if (name.isBlank()) throw new IllegalArgumentException("the cluster name cannot be blank");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1..65535, got " + port);
        if (lanes < 1 || lanes > MAX_LANES)
            throw new IllegalArgumentException("lanes must be 1.." + MAX_LANES + ", got " + lanes);
        if (secret != null && secret.strip().length() < MIN_SECRET_LENGTH) {
            throw new IllegalArgumentException(
                    "the cluster secret is " + secret.strip().length() + " characters; it must have at least "
                            + MIN_SECRET_LENGTH + " (make one with: openssl rand -base64 32)");
        }
        if (secret != null) secret = secret.strip();
        if (failureTimeout.toSeconds() < 1)
            throw new IllegalArgumentException("failureTimeout must be at least 1 s, got " + failureTimeout);
        if (idleLaneTimeout.toSeconds() < 1)
            throw new IllegalArgumentException("idleLaneTimeout must be at least 1 s, got " + idleLaneTimeout);
        for (String m : members) {
            if (!m.matches("[^\\s:]+(:\\d{1,5})?") && !m.matches("\\[[0-9A-Fa-f:.]+](:\\d{1,5})?")) {
                throw new IllegalArgumentException(
                        "member address '" + m + "' is not host or host:port (for example 10.0.0.5:5701)");
            }
        }
    }

    /**
     * Parses a {@code --join} value, {@code host:port,host:port,…}.
     *
     * @throws IllegalArgumentException naming the part that is not an address
     */
    public static List<String> parseMembers(String list) {
        if (list == null || list.isBlank()) return List.of();
        return java.util.Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    public ClusterConfig withName(String value) {
        return new ClusterConfig(
                value, host, port, members, lanes, cacheDirectory, failureTimeout, idleLaneTimeout, secret, limits);
    }

    public ClusterConfig withHost(String value) {
        return new ClusterConfig(
                name, value, port, members, lanes, cacheDirectory, failureTimeout, idleLaneTimeout, secret, limits);
    }

    public ClusterConfig withPort(int value) {
        return new ClusterConfig(
                name, host, value, members, lanes, cacheDirectory, failureTimeout, idleLaneTimeout, secret, limits);
    }

    public ClusterConfig withMembers(List<String> value) {
        return new ClusterConfig(
                name, host, port, value, lanes, cacheDirectory, failureTimeout, idleLaneTimeout, secret, limits);
    }

    public ClusterConfig withLanes(int value) {
        return new ClusterConfig(
                name, host, port, members, value, cacheDirectory, failureTimeout, idleLaneTimeout, secret, limits);
    }

    public ClusterConfig withCacheDirectory(Path value) {
        return new ClusterConfig(
                name, host, port, members, lanes, value, failureTimeout, idleLaneTimeout, secret, limits);
    }

    public ClusterConfig withFailureTimeout(Duration value) {
        return new ClusterConfig(
                name, host, port, members, lanes, cacheDirectory, value, idleLaneTimeout, secret, limits);
    }

    public ClusterConfig withIdleLaneTimeout(Duration value) {
        return new ClusterConfig(
                name, host, port, members, lanes, cacheDirectory, failureTimeout, value, secret, limits);
    }

    /** The shared secret (see {@link #secret}); null for none. */
    public ClusterConfig withSecret(String value) {
        return new ClusterConfig(
                name, host, port, members, lanes, cacheDirectory, failureTimeout, idleLaneTimeout, value, limits);
    }

    public ClusterConfig withLimits(SandboxLimits value) {
        return new ClusterConfig(
                name, host, port, members, lanes, cacheDirectory, failureTimeout, idleLaneTimeout, secret, value);
    }

    /** Never shows the secret, only whether there is one. */
    @Override
    public String toString() {
        return "ClusterConfig[name=" + name + ", host=" + host + ", port=" + port + ", members=" + members + ", lanes="
                + lanes
                + ", cacheDirectory=" + cacheDirectory + ", failureTimeout=" + failureTimeout + ", idleLaneTimeout="
                + idleLaneTimeout
                + ", secret=" + (secret == null ? "none" : "set") + ", limits=" + limits + "]";
    }
}
