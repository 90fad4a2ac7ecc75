package io.nlink.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import io.nlink.runtime.NodeRuntimes;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.js.JsEngine;
import io.nlink.runtime.wasm.WasmEngine;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

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
 * <p>Members trust each other: they exchange packages and items in the clear, so a cluster
 * belongs on a private network (docs/scaling.md). What one member sends another is still checked
 * on arrival: package bytes against their SHA-256, limits against the platform's caps.
 */
public final class NlinkCluster implements AutoCloseable {
    static final String EXECUTOR = "nlink.chunks";
    static final String LANES_ATTRIBUTE = "nlink.lanes";

    private final HazelcastInstance hazelcast;
    private final MemberLanes lanes;
    private final JsEngine ownedJs;
    private final PackageShelf shelf;

    private NlinkCluster(HazelcastInstance hazelcast, MemberLanes lanes, PackageShelf shelf, JsEngine ownedJs) {
        this.hazelcast = hazelcast;
        this.lanes = lanes;
        this.shelf = shelf;
        this.ownedJs = ownedJs;
    }

    /** Starts a member with its own runtimes (a wasm engine over {@code config.cacheDirectory()}, a JS engine). */
    public static NlinkCluster start(ClusterConfig config) throws UnknownHostException {
        JsEngine js = new JsEngine();
        WasmEngine.Options wasm = config.cacheDirectory() == null
                ? WasmEngine.Options.DEFAULTS
                : WasmEngine.Options.DEFAULTS.withCacheDirectory(config.cacheDirectory());
        try {
            return start(config, new NodeRuntimes(new WasmEngine(wasm), js), js);
        } catch (RuntimeException | UnknownHostException e) {
            js.close();
            throw e;
        }
    }

    /** Starts a member whose lanes load nodes through {@code runtimes} (shared with the caller's own runs). */
    public static NlinkCluster start(ClusterConfig config, NodeRuntimes runtimes) throws UnknownHostException {
        return start(config, runtimes, null);
    }

    private static NlinkCluster start(ClusterConfig config, NodeRuntimes runtimes, JsEngine ownedJs) throws UnknownHostException {
        Config hz = new Config();
        hz.setClusterName(config.name());
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false"); // close() leaves the cluster in order
        hz.setProperty("hazelcast.socket.bind.any", "false");
        // A joining member asks the listed ones straight away instead of waiting 5 s for more.
        hz.setProperty("hazelcast.wait.seconds.before.join", "0");
        hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        hz.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(config.failureTimeout().toSeconds()));
        hz.getJetConfig().setEnabled(false);

        NetworkConfig network = hz.getNetworkConfig();
        String ip = InetAddress.getByName(config.host()).getHostAddress();
        network.setPort(config.port()).setPortAutoIncrement(true).setPortCount(100);
        network.getInterfaces().setEnabled(true).addInterface(ip);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(config.members());

        hz.getExecutorConfig(EXECUTOR).setPoolSize(config.lanes()).setStatisticsEnabled(false);
        hz.getMapConfig(PackageShelf.MAP_NAME).setBackupCount(1);
        hz.getMemberAttributeConfig().setAttribute(LANES_ATTRIBUTE, Integer.toString(config.lanes()));
        ClusterSerialization.configure(hz.getSerializationConfig());

        // Tasks find the lanes through the user context, which Hazelcast hands to every task that
        // arrives; the lanes need the member's shelf, so they wait for it (tasks can arrive as
        // soon as the member has joined, before newHazelcastInstance returns).
        MemberLanes lanes = new MemberLanes(runtimes, config.lanes());
        var context = new ConcurrentHashMap<String, Object>();
        context.put(MemberLanes.USER_CONTEXT_KEY, lanes);
        hz.setUserContext(context);
        HazelcastInstance instance = Hazelcast.newHazelcastInstance(hz);
        try {
            PackageShelf shelf = new PackageShelf(instance.getMap(PackageShelf.MAP_NAME));
            lanes.ready(shelf, address(instance.getCluster().getLocalMember()));
            return new NlinkCluster(instance, lanes, shelf, ownedJs);
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
        return hazelcast.getCluster().getMembers().stream()
                .map(m -> new MemberInfo(address(m), lanes(m), m.localMember()))
                .toList();
    }

    /** Lanes of all members together: how many items the cluster works on at once. */
    public int totalLanes() {
        return hazelcast.getCluster().getMembers().stream().mapToInt(NlinkCluster::lanes).sum();
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
    public ClusterBatch newBatch(String packageSha256, ObjectNode params, SandboxLimits limits, ClusterBatch.Options options) {
        return new ClusterBatch(this, packageSha256, params, limits, options);
    }

    HazelcastInstance hazelcast() {
        return hazelcast;
    }

    IExecutorService executor() {
        return hazelcast.getExecutorService(EXECUTOR);
    }

    /** Members with their lanes, the most lanes first (ties: oldest first). */
    List<Member> workers() {
        return hazelcast.getCluster().getMembers().stream()
                .filter(m -> lanes(m) > 0)
                .sorted(Comparator.comparingInt(NlinkCluster::lanes).reversed())
                .toList();
    }

    static int lanes(Member m) {
        String value = m.getAttribute(LANES_ATTRIBUTE);
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String address(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
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
            if (ownedJs != null) ownedJs.close();
        }
    }
}
