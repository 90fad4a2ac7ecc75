package io.nlink.server.auth;

import io.nlink.server.refusal.Busy;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing, per account name and per client address at once.
 *
 * <p>Every attempt is counted <em>before</em> its password is checked, in one atomic step that
 * also refuses it when the count has reached the limit: parallel attempts cannot all pass a check
 * made before any of them has failed, and at most {@link #FREE_FAILURES_PER_NAME} passwords are
 * ever checked for a name before it is locked. A success forgives the name's count and takes its
 * own attempt back from the address's count.
 *
 * <p>Once a name or an address has reached its limit, it is refused (429 with Retry-After) until
 * {@link #LOCKOUT} has passed since its latest attempt; then one more attempt is let through, and
 * its failure locks again. A count is forgotten after {@link #FORGET_AFTER} without attempts.
 *
 * <p>The caller chooses the name key: {@link Accounts} keys the owner's name by name and address,
 * so whoever guesses from one address locks the owner out of that address only (docs/security.md).
 *
 * <p>Kept in memory: a restart forgives, which is acceptable for a bound on guessing speed. Each
 * table holds at most {@link #MAX_TRACKED} entries; when one is full, forgotten entries go first,
 * then the oldest of those not locked, and only then the oldest lock-outs, so a flood of new names
 * or addresses cannot wipe the lock-outs it is meant to get around.
 */
final class LoginThrottle {
    static final int FREE_FAILURES_PER_NAME = 5;
    /** Enough for a few people behind one address mistyping; far too few to spray names. */
    static final int FREE_FAILURES_PER_ADDRESS = 20;

    static final Duration LOCKOUT = Duration.ofMinutes(1);
    static final Duration FORGET_AFTER = Duration.ofMinutes(15);
    static final int MAX_TRACKED = 10_000;

    private final InstantSource clock;
    private final Table names;
    private final Table addresses;

    LoginThrottle() {
        this(InstantSource.system(), MAX_TRACKED);
    }

    LoginThrottle(InstantSource clock, int maxTracked) {
        this.clock = clock;
        this.names = new Table(FREE_FAILURES_PER_NAME, maxTracked, "too many wrong passwords for this account");
        this.addresses = new Table(FREE_FAILURES_PER_ADDRESS, maxTracked, "too many wrong passwords from your address");
    }

    /** One counted attempt: report its success, or its cancellation when no password was checked. */
    final class Attempt {
        private final String name;
        private final String address;

        private Attempt(String name, String address) {
            this.name = name;
            this.address = address;
        }

        /** The password was right: the name's failures are forgiven, the address's attempt taken back. */
        void succeeded() {
            names.forgive(name);
            addresses.uncount(address);
        }

        /** No password was checked (the server was too busy): the attempt does not count. */
        void cancelled() {
            names.uncount(name);
            addresses.uncount(address);
        }
    }

    /**
     * Counts an attempt for {@code name} from {@code address}; throws 429 (with Retry-After), and
     * counts nothing, when either is locked. A failed attempt needs no report: it is counted here.
     */
    Attempt begin(String name, String address) {
        Instant now = clock.instant();
        addresses.count(address, now);
        try {
            names.count(name, now);
        } catch (Busy locked) {
            addresses.uncount(address);
            throw locked;
        }
        return new Attempt(name, address);
    }

    /** Forgives every failure for {@code name}, as after a password reset. */
    void forgive(String name) {
        names.forgive(name);
    }

    /** Entries held now, names and addresses: for tests of the bound. */
    int tracked() {
        return names.entries.size() + addresses.entries.size();
    }

    private final class Table {
        private record Entry(int count, Instant last) {}

        private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
        private final int freeFailures;
        private final int maxTracked;
        private final String refusal;

        Table(int freeFailures, int maxTracked, String refusal) {
            this.freeFailures = freeFailures;
            this.maxTracked = maxTracked;
            this.refusal = refusal;
        }

        void count(String key, Instant now) {
            if (entries.size() >= maxTracked && !entries.containsKey(key)) makeRoom(now);
            long[] lockedForSeconds = {0};
            entries.compute(key, (k, e) -> {
                if (e == null || forgotten(e, now)) return new Entry(1, now);
                Duration left = lockLeft(e, now);
                if (left != null) {
                    lockedForSeconds[0] = Math.max(1, (left.toMillis() + 999) / 1000);
                    return e;
                }
                return new Entry(e.count() + 1, now);
            });
            if (lockedForSeconds[0] > 0) {
                throw new Busy(refusal + "; try again in " + lockedForSeconds[0] + " s", lockedForSeconds[0]);
            }
        }

        void uncount(String key) {
            entries.computeIfPresent(key, (k, e) -> e.count() <= 1 ? null : new Entry(e.count() - 1, e.last()));
        }

        void forgive(String key) {
            entries.remove(key);
        }

        /** How long {@code e} stays locked, or null when it is not locked. */
        private Duration lockLeft(Entry e, Instant now) {
            if (e.count() < freeFailures) return null;
            Duration left = Duration.between(now, e.last().plus(LOCKOUT));
            return left.isNegative() || left.isZero() ? null : left;
        }

        private boolean forgotten(Entry e, Instant now) {
            return e.last().plus(FORGET_AFTER).isBefore(now);
        }

        /**
         * Brings the table to seven eighths of its bound, so eviction runs once per many new keys:
         * forgotten entries first, then the oldest unlocked, then the oldest locked.
         */
        private synchronized void makeRoom(Instant now) {
            if (entries.size() < maxTracked) return;
            entries.values().removeIf(e -> forgotten(e, now));
            int target = maxTracked - Math.max(1, maxTracked / 8);
            int excess = entries.size() - target;
            if (excess <= 0) return;
            entries.entrySet().stream()
                    .sorted(Comparator.<Map.Entry<String, Entry>, Boolean>comparing(
                                    x -> lockLeft(x.getValue(), now) != null)
                            .thenComparing(x -> x.getValue().last()))
                    .limit(excess)
                    .map(Map.Entry::getKey)
                    .toList()
                    .forEach(entries::remove);
        }
    }
}
