package io.nlink.cluster;

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
 */
public record ClusterConfig(
        String name,
        String host,
        int port,
        List<String> members,
        int lanes,
        Path cacheDirectory,
        Duration failureTimeout,
        Duration idleLaneTimeout) {

    public static final ClusterConfig DEFAULTS = new ClusterConfig(
            "nlink", "127.0.0.1", 5701, List.of(), Runtime.getRuntime().availableProcessors(), null, Duration.ofSeconds(10),
            Duration.ofSeconds(60));

    public ClusterConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(failureTimeout, "failureTimeout");
        Objects.requireNonNull(idleLaneTimeout, "idleLaneTimeout");
        members = List.copyOf(members);
        if (name.isBlank()) throw new IllegalArgumentException("the cluster name cannot be blank");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1..65535, got " + port);
        if (lanes < 1 || lanes > 1024) throw new IllegalArgumentException("lanes must be 1..1024, got " + lanes);
        if (failureTimeout.toSeconds() < 1) throw new IllegalArgumentException("failureTimeout must be at least 1 s, got " + failureTimeout);
        if (idleLaneTimeout.toSeconds() < 1) throw new IllegalArgumentException("idleLaneTimeout must be at least 1 s, got " + idleLaneTimeout);
        for (String m : members) {
            if (!m.matches("[^\\s:]+(:\\d{1,5})?") && !m.matches("\\[[0-9A-Fa-f:.]+](:\\d{1,5})?")) {
                throw new IllegalArgumentException("member address '" + m + "' is not host or host:port (for example 10.0.0.5:5701)");
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
        return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public ClusterConfig withName(String value) {
        return new ClusterConfig(value, host, port, members, lanes, cacheDirectory, failureTimeout, idleLaneTimeout);
    }

    public ClusterConfig withHost(String value) {
        return new ClusterConfig(name, value, port, members, lanes, cacheDirectory, failureTimeout, idleLaneTimeout);
    }

    public ClusterConfig withPort(int value) {
        return new ClusterConfig(name, host, value, members, lanes, cacheDirectory, failureTimeout, idleLaneTimeout);
    }

    public ClusterConfig withMembers(List<String> value) {
        return new ClusterConfig(name, host, port, value, lanes, cacheDirectory, failureTimeout, idleLaneTimeout);
    }

    public ClusterConfig withLanes(int value) {
        return new ClusterConfig(name, host, port, members, value, cacheDirectory, failureTimeout, idleLaneTimeout);
    }

    public ClusterConfig withCacheDirectory(Path value) {
        return new ClusterConfig(name, host, port, members, lanes, value, failureTimeout, idleLaneTimeout);
    }

    public ClusterConfig withFailureTimeout(Duration value) {
        return new ClusterConfig(name, host, port, members, lanes, cacheDirectory, value, idleLaneTimeout);
    }

    public ClusterConfig withIdleLaneTimeout(Duration value) {
        return new ClusterConfig(name, host, port, members, lanes, cacheDirectory, failureTimeout, value);
    }
}
