package io.nlink.cluster;

import com.hazelcast.cluster.Member;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * What this member has handed to each member and not yet got back, and so which member has the
 * most room for more: the one placement rule for batch chunks and service calls. Each member
 * counts only its own hand-outs; a member's capacity (lanes, slots) comes from its attributes.
 * Thread-safe.
 */
final class MemberLoad {
    private final Map<UUID, AtomicInteger> handedOut = new ConcurrentHashMap<>();

    void handOut(Member member) {
        handedOut.computeIfAbsent(member.getUuid(), k -> new AtomicInteger()).incrementAndGet();
    }

    void takeBack(Member member) {
        AtomicInteger n = handedOut.get(member.getUuid());
        if (n != null) n.decrementAndGet();
    }

    /** Room left on {@code member}: its capacity less what is out there. */
    int room(Member member, ToIntFunction<Member> capacity) {
        AtomicInteger n = handedOut.get(member.getUuid());
        return capacity.applyAsInt(member) - (n == null ? 0 : n.get());
    }

    /**
     * Among {@code members} with any capacity, the one with the most room (the first of them on a
     * tie), even when that room is none; null when no member has capacity at all.
     */
    Member roomiest(Iterable<Member> members, ToIntFunction<Member> capacity) {
        Member best = null;
        int bestRoom = Integer.MIN_VALUE;
        for (Member m : members) {
            if (capacity.applyAsInt(m) <= 0) continue;
            int room = room(m, capacity);
            if (room > bestRoom) {
                best = m;
                bestRoom = room;
            }
        }
        return best;
    }
}
