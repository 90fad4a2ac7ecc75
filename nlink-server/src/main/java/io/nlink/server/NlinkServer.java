package io.nlink.server;

import io.javalin.Javalin;
import io.nlink.cluster.ClusterService;
import io.nlink.cluster.NlinkCluster;
import io.nlink.runtime.NodeRuntime;
import io.nlink.server.auth.Accounts;
import io.nlink.server.credentials.CredentialKey;
import io.nlink.server.credentials.CredentialStore;
import io.nlink.server.db.Database;
import io.nlink.server.http.Api;
import io.nlink.server.store.NodeStore;
import io.nlink.server.store.StoreNodeResolver;
import io.nlink.server.store.TestRunner;
import io.nlink.server.workflows.Triggers;
import io.nlink.server.workflows.WorkflowService;
import io.nlink.workflow.WorkflowEngine;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A running nLink server: the REST API, the dashboard and the Community Store on one port.
 *
 * <pre>{@code
 * try (NlinkServer server = NlinkServer.start(ServerConfig.DEFAULTS.withPort(8080))) {
 *     server.setupUrl().ifPresent(url -> System.out.println("create the owner account: " + url));
 *     server.await();
 * }
 * }</pre>
 */
public final class NlinkServer implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NlinkServer.class);

    private static final String WORKFLOWS_CHANGED = "workflows-changed";

    /**
     * nLink's version, the pom's, which Maven writes into version.properties at build time: the
     * health endpoint, openapi.json's info.version and the CLI's --version all report this one.
     */
    public static final String VERSION = readVersion();

    private static String readVersion() {
        try (java.io.InputStream in = NlinkServer.class.getResourceAsStream("/io/nlink/server/version.properties")) {
            if (in == null)
                throw new IllegalStateException(
                        "version.properties is missing from nlink-server; rebuild it with Maven");
            java.util.Properties properties = new java.util.Properties();
            properties.load(in);
            String version = properties.getProperty("version", "");
            if (version.isBlank() || version.contains("${")) {
                throw new IllegalStateException(
                        "version.properties in nlink-server was not filled in by Maven: '" + version + "'");
            }
            return version;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read nlink-server's version.properties", e);
        }
    }

    private final Database database;
    private final NodeRuntime runtime;
    private final Accounts accounts;
    private final Triggers triggers;
    private final WorkflowService workflows;
    private final NlinkCluster cluster;
    private final Javalin app;
    private final String url;

    private NlinkServer(
            Database database,
            NodeRuntime runtime,
            Accounts accounts,
            Triggers triggers,
            WorkflowService workflows,
            NlinkCluster cluster,
            Javalin app,
            String host) {
        this.database = database;
        this.runtime = runtime;
        this.accounts = accounts;
        this.triggers = triggers;
        this.workflows = workflows;
        this.cluster = cluster;
        this.app = app;
        this.url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + app.port();
    }

    /** Opens (and migrates) the database, then starts listening; returns once requests are served. */
    public static NlinkServer start(ServerConfig config) throws Exception {
        io.nlink.server.db.OwnerOnly.directory(
                config.dataDirectory()); // before anything writes there: compiled cache, H2
        Database database =
                Database.open(config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword(), config.dataDirectory());
        NodeRuntime runtime = null;
        Triggers triggers = null;
        WorkflowService workflows = null;
        NlinkCluster cluster = null;
        try {
            Accounts accounts = new Accounts(database, config.sessionTtl());
            // Spare instances and snapshots of every node together stay within ReadyMemory's budget:
            // without it, eight uploads of different 32 MiB nodes (each validated by starting an
            // instance) ended a 256 MiB server with OutOfMemoryError (HostileGuestServerTest).
            runtime = NodeRuntime.builder()
                    .limits(config.limits())
                    .compileCache(config.dataDirectory().resolve("compiled"))
                    .build();
            NodeStore store = new NodeStore(database, runtime, config.limits());
            TestRunner runner = new TestRunner(store, config.limits(), config.maxTestRunItems());
            WorkflowEngine engine = new WorkflowEngine(
                            new StoreNodeResolver(store), runtime.javascript(), config.limits())
                    .withEgress(config.httpEgress());
            CredentialStore credentials =
                    new CredentialStore(database, CredentialKey.load(config.credentialsKey()), config.httpEgress());
            credentials.checkKey();
            workflows = new WorkflowService(
                    database, engine, credentials, config.keepExecutionsFor(), config.keepExecutions());
            // Every server is a cluster member, alone by default: executions go through the cluster
            // either way, so one code path serves one machine and many (docs/scaling.md).
            cluster = NlinkCluster.start(
                    config.cluster().withLimits(config.limits()),
                    runtime,
                    List.of(new ClusterService(
                            WorkflowService.EXECUTIONS, config.executions(), workflows::runDispatched)));
            workflows.runOn(cluster);
            workflows.claimRoutesOfActiveWorkflows();
            triggers = new Triggers(workflows, cluster::oldest);
            // A workflow changed on any server changes every server's webhooks and schedules: this
            // server's at once (a webhook answers as soon as its activation call returns), the
            // others' a moment later, when the broadcast reaches them.
            cluster.onBroadcast(WORKFLOWS_CHANGED, triggers::refreshSoon);
            NlinkCluster member = cluster;
            Triggers local = triggers;
            WorkflowService service = workflows;
            workflows.onChange(() -> {
                local.refresh();
                member.broadcast(WORKFLOWS_CHANGED);
            });
            // Executions cut off by a member that dies from now on, and those a previous life of
            // this server (or a member gone while it was down) left unfinished: accepted webhook
            // calls run again, other runs are marked crashed.
            // Off the cluster's event thread, which must not wait for the database.
            cluster.onMemberLeft(address -> Thread.ofVirtual()
                    .name("nlink-member-left")
                    .start(() -> {
                        try {
                            service.memberLeft(address, local::submit);
                        } catch (java.sql.SQLException e) {
                            LOG.warn(
                                    "could not take up the executions of departed member {}: {}",
                                    address,
                                    e.getMessage());
                        }
                    }));
            workflows.recoverInterrupted(local::submit);
            Map<String, Object> health = Map.of("status", "ok", "database", database.product(), "version", VERSION);
            Api.Services services = new Api.Services(
                    accounts,
                    store,
                    runner,
                    workflows,
                    triggers,
                    credentials,
                    config.maxUploadBytes(),
                    config.sessionTtl(),
                    health,
                    io.nlink.server.auth.TrustedProxies.parse(config.trustedProxies()));
            io.nlink.server.metrics.ServerMetrics metrics =
                    config.metrics() ? new io.nlink.server.metrics.ServerMetrics(database, workflows, runtime) : null;
            Javalin app = Javalin.create(c -> {
                c.jetty.modifyServer(jetty -> {
                    // Javalin nests its handlers inside: a stop lets requests under way finish (new
                    // ones get 503) for up to the drain's two graces (close).
                    jetty.setHandler(new org.eclipse.jetty.server.handler.GracefulHandler());
                    jetty.setStopTimeout(WorkflowService.SHUTDOWN_GRACE
                            .multipliedBy(2)
                            .plusSeconds(5)
                            .toMillis());
                });
                Api.configure(c, services);
                if (metrics != null) io.nlink.server.http.MetricsApi.configure(c, metrics);
            });
            app.start(config.host(), config.port());
            return new NlinkServer(database, runtime, accounts, triggers, workflows, cluster, app, config.host());
        } catch (Exception | Error e) {
            if (triggers != null) triggers.close();
            if (cluster != null) cluster.close();
            if (workflows != null) workflows.close();
            if (runtime != null) runtime.close();
            database.close();
            throw e;
        }
    }

    /** The base URL, for example {@code http://127.0.0.1:8080}. */
    public String url() {
        return url;
    }

    public int port() {
        return app.port();
    }

    /** The one-time link that creates the owner account, while there is none. */
    public Optional<String> setupUrl() {
        return accounts.setupToken().map(token -> url + "/#/setup?token=" + token);
    }

    /** "H2" or "PostgreSQL". */
    public String databaseProduct() {
        return database.product();
    }

    /**
     * Every API route and who may call it, as "METHOD /path" → access level ("anyone",
     * "signed_in", …; null when a route declares none). Kept for the test that holds the OpenAPI
     * document in step with the routes.
     */
    java.util.SortedMap<String, String> routes() {
        return JavalinRoutes.of(app);
    }

    /** The server's one runtime, for tests that read its metrics. */
    NodeRuntime runtime() {
        return runtime;
    }

    /** Blocks until the server is stopped (by {@link #close} from another thread, or the JVM ending). */
    public void await() throws InterruptedException {
        app.jettyServer().server().join();
    }

    /** This server's cluster member: its address and the others (a cluster of one unless it joined others). */
    public NlinkCluster cluster() {
        return cluster;
    }

    /**
     * Shuts down without cutting off a caller: HTTP stops taking requests while those under way go
     * on (a caller waiting on a webhook gets its run's answer), the runs end within
     * {@link WorkflowService#SHUTDOWN_GRACE} or are stopped and recorded, then everything closes.
     */
    @Override
    public void close() {
        triggers.close();
        // Jetty's graceful stop (GracefulHandler, see start) waits for the requests under way, which
        // wait for their runs: so it runs beside the drain, not before it.
        Thread httpStop = Thread.ofPlatform().name("nlink-http-stop").start(app::stop);
        workflows.endRunsUnderWay(); // runs started from now on are stopped at once
        joinUninterruptibly(httpStop);
        cluster.close();
        workflows.close(); // after the last run has ended, before the database closes: no record is lost
        runtime.close();
        database.close();
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
