package io.nlink.server.workflows;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.text.Visible;
import io.nlink.server.refusal.Refusal;
import io.nlink.workflow.Workflow;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The triggers of active workflows: webhook paths and schedules. Rebuilt whenever a workflow is
 * activated, deactivated, changed or deleted on any server of the cluster ({@link #refresh}).
 * Every server answers every webhook; a schedule fires only where {@code firesSchedules} says so
 * (the cluster's oldest member), so a cluster runs each firing once. Schedule firings and webhooks
 * that answer at once run on a small bounded pool, so a slow workflow never delays the clock.
 */
public final class Triggers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Triggers.class);
    static final String WEBHOOK = "n8n-nodes-base.webhook";
    static final String SCHEDULE = "n8n-nodes-base.scheduleTrigger";
    /** n8n's older schedule triggers, kept on the same clock: {@link #rulesOf} turns their parameters into Schedule Trigger rules. */
    static final String CRON = "n8n-nodes-base.cron";

    static final String INTERVAL = "n8n-nodes-base.interval";

    /** An active webhook: which workflow answers it, and how its Webhook node says to. */
    public record Webhook(long workflowId, WebhookSettings settings) {}

    private final WorkflowService service;
    private final ScheduledExecutorService clock =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "nlink-schedule"));
    private final ThreadPoolExecutor runs = new ThreadPoolExecutor(
            2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(100), r -> daemon(r, "nlink-trigger-run"));
    private volatile Map<String, Webhook> webhooks = Map.of();
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
    /** Bumped by every refresh: a firing from an older generation does not arm itself again. */
    private long generation;

    private final BooleanSupplier firesSchedules;

    /** @param firesSchedules whether this server fires schedules now (asked at every firing) */
    public Triggers(WorkflowService service, BooleanSupplier firesSchedules) {
        this.service = service;
        this.firesSchedules = firesSchedules;
        refresh();
    }

    /** Rebuilds the triggers soon, on the clock's thread: callable from any thread, cluster events included. */
    public void refreshSoon() {
        try {
            clock.execute(this::refresh);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing to refresh
        }
    }

    /** The webhook registered for "METHOD path", if an active workflow has one. */
    public Optional<Webhook> webhook(String method, String path) {
        return Optional.ofNullable(webhooks.get(method + " " + WebhookSettings.normalise(path)));
    }

    /** Runs {@code task} on the trigger pool; false when the pool's queue is full. */
    public boolean submit(Runnable task) {
        try {
            runs.execute(task);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    public synchronized void refresh() {
        generation++;
        scheduled.forEach(f -> f.cancel(false));
        scheduled.clear();
        Map<String, Webhook> hooks = new HashMap<>();
        List<WorkflowService.Stored> active;
        Map<String, Long> holders;
        try {
            active = service.active();
            holders = service.webhookRoutes();
        } catch (SQLException e) {
            LOG.error("cannot read the active workflows; their triggers are off until the next change", e);
            webhooks = Map.of();
            return;
        }
        for (WorkflowService.Stored stored : active) {
            for (Workflow.Node node : stored.workflow().nodes()) {
                if (!node.disabled() && isSchedule(node)) schedule(stored.id(), node, zoneOf(stored.workflow()));
            }
            List<WebhookSettings> settings;
            try {
                settings = WebhookSettings.of(stored.workflow());
            } catch (Refusal e) { // activated before these checks existed
                LOG.warn("workflow {}: {}; its webhooks are off", stored.id(), Visible.inLog(e.getMessage()));
                continue;
            }
            for (WebhookSettings hook : settings) {
                if (!hook.checkable()) { // activated before nLink refused these: never serve it open
                    LOG.warn(
                            "workflow {} node \"{}\": webhook {} demands authentication \"{}\", which nLink cannot check yet; it is off",
                            stored.id(),
                            Visible.inLog(hook.node()),
                            Visible.inLog(hook.route()),
                            Visible.inLog(hook.authentication()));
                } else if (Long.valueOf(stored.id()).equals(holders.get(hook.route()))) {
                    hooks.put(hook.route(), new Webhook(stored.id(), hook));
                } else {
                    LOG.warn(
                            "workflow {} node \"{}\": webhook {} is held by workflow {}; ignored",
                            stored.id(),
                            Visible.inLog(hook.node()),
                            Visible.inLog(hook.route()),
                            holders.get(hook.route()));
                }
            }
        }
        webhooks = Map.copyOf(hooks);
    }

    /**
     * The time zone a workflow's schedules keep, as in n8n: its {@code settings.timezone}, else
     * (n8n writes "DEFAULT", or none) the server's.
     */
    static ZoneId zoneOf(Workflow workflow) {
        String zone = workflow.settings().path("timezone").asText("").strip();
        if (zone.isEmpty() || zone.equals("DEFAULT")) return ZoneId.systemDefault();
        try {
            return ZoneId.of(zone);
        } catch (java.time.DateTimeException e) {
            LOG.warn(
                    "workflow \"{}\": settings.timezone \"{}\" is not a time zone; its schedules keep the server's",
                    Visible.inLog(String.valueOf(workflow.name())),
                    Visible.inLog(zone));
            return ZoneId.systemDefault();
        }
    }

    /**
     * Why a workflow's schedules cannot run as written, each naming its node; empty when they all
     * can. Activation refuses a workflow with any: a schedule left off would fail silently.
     */
    static List<String> scheduleProblems(Workflow workflow) {
        List<String> problems = new java.util.ArrayList<>();
        ZoneId zone = zoneOf(workflow);
        for (Workflow.Node node : workflow.nodes()) {
            if (node.disabled() || !isSchedule(node)) continue;
            try {
                for (JsonNode rule : rulesOf(node)) nextFiring(rule, zone);
            } catch (IllegalArgumentException e) {
                problems.add("node \"" + node.name() + "\": " + e.getMessage());
            }
        }
        return problems;
    }

    private static boolean isSchedule(Workflow.Node node) {
        return node.type().equals(SCHEDULE)
                || node.type().equals(CRON)
                || node.type().equals(INTERVAL);
    }

    private void schedule(long workflowId, Workflow.Node node, ZoneId zone) {
        List<JsonNode> rules;
        try {
            rules = rulesOf(node);
        } catch (IllegalArgumentException e) {
            LOG.warn(
                    "workflow {} node \"{}\": {}; this schedule is off",
                    workflowId,
                    Visible.inLog(node.name()),
                    Visible.inLog(e.getMessage()));
            return;
        }
        for (JsonNode rule : rules) {
            try {
                arm(generation, workflowId, node.name(), nextFiring(rule, zone));
            } catch (IllegalArgumentException e) {
                LOG.warn(
                        "workflow {} node \"{}\": {}; this schedule is off",
                        workflowId,
                        Visible.inLog(node.name()),
                        Visible.inLog(e.getMessage()));
            }
        }
    }

    /**
     * A schedule node's firing rules, as Schedule Trigger writes them ({@link #nextFiring}):
     * Schedule Trigger's own {@code rule.interval}; Cron's {@code triggerTimes.item[]} by
     * {@code mode} (everyMinute, everyHour, everyDay, everyWeek, everyMonth, everyX, custom —
     * n8n's defaults: every day at 14:00, every 2 hours); Interval's {@code interval} {@code unit}s
     * (1 second by default).
     */
    static List<JsonNode> rulesOf(Workflow.Node node) {
        JsonNode p = node.parameters();
        List<JsonNode> rules = new ArrayList<>();
        switch (node.type()) {
            case CRON -> {
                for (JsonNode item : p.path("triggerTimes").path("item")) rules.add(cronRule(item));
                // n8n's Cron fires nowhere without trigger times.
            }
            case INTERVAL -> {
                int value = p.path("interval").asInt(1);
                if (value < 1) throw new IllegalArgumentException("interval must be at least 1");
                String unit = p.path("unit").asText("seconds");
                ObjectNode rule = Json.MAPPER.createObjectNode();
                switch (unit) {
                    case "seconds" -> rule.put("field", "seconds").put("secondsInterval", value);
                    case "minutes" -> rule.put("field", "minutes").put("minutesInterval", value);
                    case "hours" -> rule.put("field", "minutes").put("minutesInterval", value * 60);
                    default ->
                        throw new IllegalArgumentException(
                                "unit \"" + unit + "\" is not supported (seconds, minutes, hours)");
                }
                rules.add(rule);
            }
            default -> {
                JsonNode intervals = p.path("rule").path("interval");
                if (!intervals.isArray() || intervals.isEmpty())
                    intervals = Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode());
                intervals.forEach(rules::add);
            }
        }
        return rules;
    }

    private static final String[] WEEKDAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    /** One of Cron's trigger times as a cron expression with seconds. */
    private static JsonNode cronRule(JsonNode item) {
        String mode = item.path("mode").asText("everyDay");
        int minute = bounded(item, "minute", 0, 0, 59), hour = bounded(item, "hour", 14, 0, 23);
        String expression = switch (mode) {
            case "everyMinute" -> "0 * * * * *";
            case "everyHour" -> "0 " + minute + " * * * *";
            case "everyDay" -> "0 " + minute + " " + hour + " * * *";
            case "everyWeek" -> "0 " + minute + " " + hour + " * * " + WEEKDAYS[bounded(item, "weekday", 1, 0, 6)];
            case "everyMonth" -> "0 " + minute + " " + hour + " " + bounded(item, "dayOfMonth", 1, 1, 31) + " * *";
            case "everyX" -> {
                int value = bounded(item, "value", 2, 1, 1000);
                String unit = item.path("unit").asText("hours");
                if (unit.equals("minutes")) yield "0 */" + value + " * * * *";
                if (unit.equals("hours")) yield "0 0 */" + value + " * * *";
                throw new IllegalArgumentException(
                        "Cron everyX unit \"" + unit + "\" is not supported (minutes, hours)");
            }
            case "custom" -> item.path("cronExpression").asText("* * * * * *").strip();
            default ->
                throw new IllegalArgumentException(
                        "Cron mode \"" + mode
                                + "\" is not supported (everyMinute, everyHour, everyDay, everyWeek, everyMonth, everyX, custom)");
        };
        return Json.MAPPER.createObjectNode().put("field", "cronExpression").put("expression", expression);
    }

    private static int bounded(JsonNode item, String field, int fallback, int min, int max) {
        JsonNode value = item.path(field);
        int v = value.isMissingNode() || value.isNull() ? fallback : value.asInt(Integer.MIN_VALUE);
        if (v < min || v > max)
            throw new IllegalArgumentException("Cron " + field + " must be " + min + " to " + max + "; got " + value);
        return v;
    }

    private synchronized void arm(long armedIn, long workflowId, String node, Supplier<Duration> next) {
        if (armedIn != generation || clock.isShutdown()) return;
        long delay = Math.max(1, next.get().toMillis());
        scheduled.removeIf(ScheduledFuture::isDone);
        scheduled.add(clock.schedule(
                () -> {
                    if (!submit(() -> fire(workflowId, node)))
                        LOG.warn("workflow {}: the trigger pool is full; a schedule firing was dropped", workflowId);
                    arm(armedIn, workflowId, node, next);
                },
                delay,
                TimeUnit.MILLISECONDS));
    }

    private void fire(long workflowId, String node) {
        try {
            if (!firesSchedules.getAsBoolean())
                return; // another member fires it (every member keeps it armed, to take over)
            WorkflowService.Stored stored = service.find(workflowId).orElse(null);
            if (stored == null || !stored.active()) return;
            // Cron and Interval start with an empty item, as in n8n; Schedule Trigger with the time.
            String type = stored.workflow().node(node).map(Workflow.Node::type).orElse(SCHEDULE);
            JsonNode item = type.equals(SCHEDULE)
                    ? scheduleItem(ZonedDateTime.now(zoneOf(stored.workflow())))
                    : Json.MAPPER.createObjectNode();
            service.dispatch(stored, node, List.of(item), WorkflowService.Mode.SCHEDULE);
        } catch (Exception e) {
            LOG.error("workflow {}: the scheduled run failed to start", workflowId, e);
        }
    }

    /**
     * n8n's schedule rules: {@code {field: "seconds", secondsInterval}}, minutes, hours (with
     * {@code triggerAtMinute}), days (with {@code triggerAtHour}, {@code triggerAtMinute}), and
     * {@code {field: "cronExpression", expression}} with 5 fields (Unix) or 6 (with seconds).
     */
    static Supplier<Duration> nextFiring(JsonNode rule) {
        return nextFiring(rule, ZoneId.systemDefault());
    }

    /** As {@link #nextFiring(JsonNode)}, hours and days counted in {@code zone}. */
    static Supplier<Duration> nextFiring(JsonNode rule, ZoneId zone) {
        String field = rule.path("field").asText("days");
        return switch (field) {
            case "seconds" -> every(Duration.ofSeconds(positive(rule, "secondsInterval", 30)));
            case "minutes" -> every(Duration.ofMinutes(positive(rule, "minutesInterval", 5)));
            case "hours" ->
                cron(
                        "0 " + rule.path("triggerAtMinute").asInt(0) + " */" + positive(rule, "hoursInterval", 1)
                                + " * * ?",
                        CronType.QUARTZ,
                        zone);
            case "days" ->
                cron(
                        "0 " + rule.path("triggerAtMinute").asInt(0) + " "
                                + rule.path("triggerAtHour").asInt(0) + " */" + positive(rule, "daysInterval", 1)
                                + " * ?",
                        CronType.QUARTZ,
                        zone);
            case "cronExpression" -> {
                String expression = rule.path("expression").asText("").strip();
                yield cron(expression, expression.split("\\s+").length == 6 ? CronType.SPRING53 : CronType.UNIX, zone);
            }
            default ->
                throw new IllegalArgumentException("schedule field \"" + field
                        + "\" is not supported (seconds, minutes, hours, days, cronExpression)");
        };
    }

    private static Supplier<Duration> every(Duration interval) {
        return () -> interval;
    }

    private static Supplier<Duration> cron(String expression, CronType type, ZoneId zone) {
        ExecutionTime time;
        try {
            time = ExecutionTime.forCron(
                    new CronParser(CronDefinitionBuilder.instanceDefinitionFor(type)).parse(expression));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the cron expression \"" + expression + "\" is not valid: " + e.getMessage());
        }
        return () -> time.timeToNextExecution(ZonedDateTime.now(zone))
                .orElseThrow(() ->
                        new IllegalArgumentException("the cron expression \"" + expression + "\" never fires again"));
    }

    private static int positive(JsonNode rule, String field, int fallback) {
        int value = rule.path(field).asInt(fallback);
        if (value < 1) throw new IllegalArgumentException(field + " must be at least 1");
        return value;
    }

    /** The item a schedule firing starts with, as n8n shapes it. */
    static ObjectNode scheduleItem(ZonedDateTime now) {
        ObjectNode item = Json.MAPPER.createObjectNode();
        item.put("timestamp", now.toOffsetDateTime().toString());
        item.put("Readable date", now.toLocalDate() + " " + now.toLocalTime().withNano(0));
        item.put("Day of week", now.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        item.put("Timezone", now.getZone().getId());
        return item;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        clock.shutdownNow();
        runs.shutdown();
        try {
            runs.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runs.shutdownNow();
    }
}
