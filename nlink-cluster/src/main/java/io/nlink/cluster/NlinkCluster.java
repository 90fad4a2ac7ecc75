package io.nlink.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * This process as a member of an nLink cluster: an embedded Hazelcast member that runs chunks of
 * any member's batches on its lanes, and from which batches can be spread over every member.
 * Alone (no {@link ClusterConfig#members()}), it is a cluster of one and needs nothing set up.
 *
 * <pre>{@code
 * try (NlinkCluster cluster = NlinkCluster.start(ClusterConfig.DEFAULTS.withMembers(List.of("10.0.0.5:5701")))) {
 *     String sha256 = cluster.publish(zipBytes);
 *     try (ClusterBatch batch = cluster.newBatch(sha256, params, SandboxLimits.DEFAULTS, ClusterBatch.Options.DEFAULTS)) {
 *         batch.run(items, result -> ...);   // results in input order
 *     }
 * }
 * }</pre>
 *
 * <p>With a {@linkplain ClusterConfig#secret() secret}, only members that hold it join, and work
 * and answers travel sealed with it ({@link MessageSeal}); a member whose answer does not open is
 * sent no more work. Members that hold it trust each other, so a cluster still belongs on a
 * private network (docs/scaling.md). What one member sends another is checked on arrival:
 * package bytes against their SHA-256, limits against the receiver's own caps, and announced
 * lanes and slots against {@link ClusterConfig#MAX_LANES}.
 */
public final class NlinkCluster implements AutoCloseable {
    static final String EXECUTOR = "nlink.chunks";
    static final String LANES_ATTRIBUTE = "nlink.lanes";
    private static final String SERVICE_EXECUTOR_PREFIX = "nlink.service.";
    private static final String SERVICE_ATTRIBUTE_PREFIX = "nlink.service.";
    private static final String TOPIC_PREFIX = "nlink.topic.";
    /** A call or chunk is given up after this many members left while working on it. */
    static final int MAX_ATTEMPTS = 5;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NlinkCluster.class);

    private final HazelcastInstance hazelcast;
    private final MemberLanes lanes;
    /** The runtime this member made for itself and closes; null when the caller's. */
    private final NodeRuntime ownedRuntime;

    private final PackageShelf shelf;
    private final MessageSeal seal;
    /** Members whose answers did not open with the secret: they get no more work from this member. */
    private final java.util.Set<java.util.UUID> shunned = ConcurrentHashMap.newKeySet();
    /** This member's calls in flight per service, for choosing the least busy member. */
    private final Map<String, MemberLoad> callsInFlight = new ConcurrentHashMap<>();

    private NlinkCluster(
            HazelcastInstance hazelcast,
            MemberLanes lanes,
            PackageShelf shelf,
            MessageSeal seal,
            NodeRuntime ownedRuntime) {
        this.hazelcast = hazelcast;
        this.seal = seal;
        this.lanes = lanes;
        this.shelf = shelf;
        this.ownedRuntime = ownedRuntime;
    }

    /** Starts a member with a runtime of its own (compiled modules kept in {@code config.cacheDirectory()}), closed with it. */
    public static NlinkCluster start(ClusterConfig config) throws UnknownHostException {
        NodeRuntime runtime = NodeRuntime.builder()
                .limits(config.limits())
                .compileCache(config.cacheDirectory())
                .build();
        try {
            return start(config, runtime, List.of(), runtime);
        } catch (RuntimeException | UnknownHostException e) {
            runtime.close();
            throw e;
        }
    }

    /** Starts a member whose lanes load nodes through {@code runtime} (shared with the caller's own runs; the caller closes it). */
    public static NlinkCluster start(ClusterConfig config, NodeRuntime runtime) throws UnknownHostException {
        return start(config, runtime, List.of(), null);
    }

    /**
     * Starts a member that also offers {@code services} to the cluster (see {@link #call}); their
     * handlers may be called as soon as the member has joined, before this returns.
     */
    public static NlinkCluster start(ClusterConfig config, NodeRuntime runtime, List<ClusterService> services)
            throws UnknownHostException {
        return start(config, runtime, services, null);
    }

    private static NlinkCluster start(
            ClusterConfig config, NodeRuntime runtime, List<ClusterService> services, NodeRuntime owned)
            throws UnknownHostException {
        InetAddress listenOn = InetAddress.getByName(config.host());
        if (config.secret() == null && !listenOn.isLoopbackAddress()) {
            throw new IllegalArgumentException(
                    "the cluster would listen on " + config.host() + ", beyond this machine, without a secret:"
                            + " set the same cluster secret on every member (NLINK_CLUSTER_SECRET, or --cluster-secret-file FILE;"
                            + " make one with: openssl rand -base64 32), or keep --cluster-host on 127.0.0.1");
        }
        return start(config, runtime, services, owned, MessageSeal.of(config.secret(), config.name()));
    }

    /** Starts a member whose messages are sealed with {@code seal}; tests give one that does not match its name. */
    static NlinkCluster start(
            ClusterConfig config,
            NodeRuntime runtime,
            List<ClusterService> services,
            NodeRuntime owned,
            MessageSeal seal)
            throws UnknownHostException {
        Config hz = new Config();
        hz.setClusterName(seal.hazelcastName(config.name()));
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false"); // close() leaves the cluster in order
        hz.setProperty("hazelcast.socket.bind.any", "false");
        // A joining member asks the listed ones straight away instead of waiting 5 s for more.
        hz.setProperty("hazelcast.wait.seconds.before.join", "0");
        hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        hz.setProperty(
                "hazelcast.max.no.heartbeat.seconds",
                Long.toString(config.failureTimeout().toSeconds()));
        hz.getJetConfig().setEnabled(false);

        NetworkConfig network = hz.getNetworkConfig();
        String ip = InetAddress.getByName(config.host()).getHostAddress();
        if (seal.sealed()) {
            // Hazelcast's own operations between members (joining, partitions, the shelf's map) are
            // not sealed; the join token keeps members without the secret out of them.
            LOG.info(
                    "nLink: cluster {} with a secret: members without it are turned away, work and answers are sealed",
                    config.name());
        }
        network.setPort(config.port()).setPortAutoIncrement(true).setPortCount(100);
        network.getInterfaces().setEnabled(true).addInterface(ip);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(config.members());

        hz.getExecutorConfig(EXECUTOR).setPoolSize(config.lanes()).setStatisticsEnabled(false);
        hz.getMapConfig(PackageShelf.MAP_NAME).setBackupCount(1);
        hz.getMemberAttributeConfig().setAttribute(LANES_ATTRIBUTE, Integer.toString(config.lanes()));
        var offered = new java.util.HashMap<String, ClusterService>();
        for (ClusterService service : services) {
            if (offered.put(service.name(), service) != null)
                throw new IllegalArgumentException("service " + service.name() + " is offered twice");
            hz.getExecutorConfig(SERVICE_EXECUTOR_PREFIX + service.name())
                    .setPoolSize(Math.max(1, service.concurrency()))
                    .setStatisticsEnabled(false);
            hz.getMemberAttributeConfig()
                    .setAttribute(SERVICE_ATTRIBUTE_PREFIX + service.name(), Integer.toString(service.concurrency()));
        }
        ClusterSerialization.configure(hz.getSerializationConfig(), seal);

        // Tasks find the lanes through the user context, which Hazelcast hands to every task that
        // arrives; the lanes need the member's shelf, so they wait for it (tasks can arrive as
        // soon as the member has joined, before newHazelcastInstance returns).
        MemberLanes lanes = new MemberLanes(runtime, config.lanes(), config.idleLaneTimeout(), config.limits());
        var context = new ConcurrentHashMap<String, Object>();
        context.put(MemberLanes.USER_CONTEXT_KEY, lanes);
        context.put(ServiceCall.USER_CONTEXT_KEY, Map.copyOf(offered));
        hz.setUserContext(context);
        HazelcastInstance instance = Hazelcast.newHazelcastInstance(hz);
        try {
            PackageShelf shelf = new PackageShelf(instance.getMap(PackageShelf.MAP_NAME));
            lanes.ready(shelf, address(instance.getCluster().getLocalMember()));
            return new NlinkCluster(instance, lanes, shelf, seal, owned);
        } catch (RuntimeException e) {
            instance.shutdown();
            lanes.close();
            throw e;
        }
    }

    /** A member as others see it. */
    public record MemberInfo(String address, int lanes, boolean local) {}

    /** This member's address, {@code host:port}. */
    public String address() {
        return address(hazelcast.getCluster().getLocalMember());
    }

    /** Every member now in the cluster, this one included, oldest first. */
    public List<MemberInfo> members() {
        return trustedMembers().stream()
                .map(m -> new MemberInfo(address(m), lanes(m), m.localMember()))
                .toList();
    }

    /** Lanes of all members together: how many items the cluster works on at once. */
    public int totalLanes() {
        return trustedMembers().stream().mapToInt(NlinkCluster::lanes).sum();
    }

    /**
     * Makes a node package available to every member, by its content address.
     *
     * @param packageZip the package as an upload ZIP
     * @return its SHA-256, which batches name it by
     */
    public String publish(byte[] packageZip) {
        return shelf.publish(packageZip);
    }

    /**
     * A batch of the package at {@code packageSha256} (see {@link #publish}) over items, spread
     * in chunks over every member; see {@link ClusterBatch}.
     */
    public ClusterBatch newBatch(
            String packageSha256, ObjectNode params, SandboxLimits limits, ClusterBatch.Options options) {
        return new ClusterBatch(this, packageSha256, params, limits, options);
    }

    /** A chunk of a batch, to be sealed for its member at each send. */
    ChunkTask newChunk(
            String packageSha256,
            String paramsJson,
            SandboxLimits limits,
            boolean continueOnFail,
            long firstIndex,
            byte[] itemsJson) {
        return new ChunkTask(seal, packageSha256, paramsJson, limits, continueOnFail, firstIndex, itemsJson);
    }

    /** The cluster's members less those shunned for not holding the secret, oldest first. */
    java.util.Collection<Member> trustedMembers() {
        if (shunned.isEmpty()) return hazelcast.getCluster().getMembers();
        return hazelcast.getCluster().getMembers().stream()
                .filter(m -> !shunned.contains(m.getUuid()))
                .toList();
    }

    /**
     * Stops sending {@code member} work: its answer did not open with the cluster's secret, so it
     * got into the cluster without it (or its clock is far off; the reason is in its log).
     */
    void shun(Member member, String why) {
        if (shunned.add(member.getUuid())) {
            LOG.warn("nLink: member {} is sent no more work: {}", address(member), why);
        }
    }

    /**
     * Runs one call of {@code service} on the member that offers it with the most free slots
     * (this one included), and waits for its answer. When that member leaves before answering,
     * the call runs again on another: a handler may therefore run more than once for one call,
     * and should be safe to repeat.
     *
     * @throws ClusterService.ServiceException when the handler failed (its message), or no member offers the service
     * @throws IllegalStateException when {@value #MAX_ATTEMPTS} members in a row left while working on it
     */
    public byte[] call(String service, byte[] request) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            MemberLoad load = callsInFlight.computeIfAbsent(service, k -> new MemberLoad());
            ToIntFunction<Member> slots = m -> intAttribute(m, SERVICE_ATTRIBUTE_PREFIX + service);
            Member target = load.roomiest(trustedMembers(), slots);
            if (target == null) {
                throw new ClusterService.ServiceException("no member of the cluster offers " + service + " ("
                        + trustedMembers().size() + " member(s), each with 0 slots for it)");
            }
            load.handOut(target);
            try {
                ServiceCall call = new ServiceCall(seal, service, request);
                call.sealFor(target);
                byte[] answer;
                try {
                    answer = call.openAnswer(hazelcast
                            .getExecutorService(SERVICE_EXECUTOR_PREFIX + service)
                            .submitToMember(call, target)
                            .get());
                } catch (MessageSeal.Refused e) {
                    shun(target, e.getMessage());
                    attempt--; // not the call's fault: it runs on another member
                    continue;
                }
                byte[] body = java.util.Arrays.copyOfRange(answer, 1, answer.length);
                if (answer[0] == ServiceCall.OK) return body;
                throw new ClusterService.ServiceException(new String(body, java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.util.concurrent.ExecutionException e) {
                if (!memberLost(e.getCause(), target)) {
                    throw new IllegalStateException(
                            "member " + address(target) + " failed a " + service + " call: " + e.getCause(),
                            e.getCause());
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw new IllegalStateException(
                            "a " + service + " call was lost with " + MAX_ATTEMPTS + " members in a row; giving up");
                }
            } finally {
                load.takeBack(target);
            }
        }
    }

    /**
     * Whether this is the cluster's oldest member. Exactly one member is at any time, and when it
     * leaves the next oldest is: the member for cluster-wide chores that must happen once (the
     * server fires schedules there).
     */
    public boolean oldest() {
        return hazelcast.getCluster().getMembers().iterator().next().localMember();
    }

    /** Tells every member, this one included, that {@code topic} changed: their {@link #onBroadcast} listeners run. */
    public void broadcast(String topic) {
        hazelcast.<String>getTopic(TOPIC_PREFIX + topic).publish(topic);
    }

    /** Runs {@code listener} (on a cluster event thread: keep it short) whenever any member broadcasts {@code topic}. */
    public void onBroadcast(String topic, Runnable listener) {
        hazelcast.<String>getTopic(TOPIC_PREFIX + topic).addMessageListener(message -> listener.run());
    }

    /**
     * Runs {@code listener} with a member's {@code host:port} whenever it leaves the cluster,
     * stopped or declared dead after the failure timeout (on a cluster event thread: keep it short).
     */
    public void onMemberLeft(java.util.function.Consumer<String> listener) {
        hazelcast.getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
            @Override
            public void memberAdded(com.hazelcast.cluster.MembershipEvent event) {}

            @Override
            public void memberRemoved(com.hazelcast.cluster.MembershipEvent event) {
                listener.accept(address(event.getMember()));
            }
        });
    }

    /** Whether a task failed because its member went away (so it can run elsewhere), not on its own account. */
    boolean memberLost(Throwable t, Member target) {
        if (!hazelcast.getLifecycleService().isRunning()) return false; // this member is going down: nowhere to rerun
        return t instanceof com.hazelcast.core.MemberLeftException
                || t instanceof com.hazelcast.spi.exception.TargetNotMemberException
                || t instanceof com.hazelcast.spi.exception.TargetDisconnectedException
                || t instanceof com.hazelcast.core.HazelcastInstanceNotActiveException
                || !hazelcast.getCluster().getMembers().contains(target);
    }

    HazelcastInstance hazelcast() {
        return hazelcast;
    }

    MessageSeal seal() {
        return seal;
    }

    IExecutorService executor() {
        return hazelcast.getExecutorService(EXECUTOR);
    }

    /** Members with their lanes, the most lanes first (ties: oldest first). */
    List<Member> workers() {
        return trustedMembers().stream()
                .filter(m -> lanes(m) > 0)
                .sorted(Comparator.comparingInt(NlinkCluster::lanes).reversed())
                .toList();
    }

    static int lanes(Member m) {
        return intAttribute(m, LANES_ATTRIBUTE);
    }

    /** A member's announced lanes or slots: 0 when missing or malformed, never more than {@link ClusterConfig#MAX_LANES}. */
    private static int intAttribute(Member m, String name) {
        String value = m.getAttribute(name);
        try {
            return value == null ? 0 : Math.clamp(Integer.parseInt(value), 0, ClusterConfig.MAX_LANES);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String address(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    /** Lanes this member keeps warm for the next chunk; for tests. */
    int idleLanes() {
        return lanes.idleLanes();
    }

    /** Blocks until this member is shut down (by {@link #close} from another thread). */
    public void awaitShutdown() throws InterruptedException {
        while (hazelcast.getLifecycleService().isRunning()) {
            Thread.sleep(200);
        }
    }

    /** Leaves the cluster: other members take over what this one held; then stops the lanes. */
    @Override
    public void close() {
        try {
            hazelcast.shutdown();
        } finally {
            lanes.close();
            if (ownedRuntime != null) ownedRuntime.close();
        }
    }
}
