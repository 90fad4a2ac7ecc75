package io.nlink.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.util.concurrent.Callable;

/**
 * Work one member sends another: written field by field ({@link ClusterSerialization}), answered
 * with bytes, and run with what the receiving member keeps in its user context (its lanes, its
 * services).
 */
abstract class MemberTask implements Callable<byte[]>, IdentifiedDataSerializable, HazelcastInstanceAware {
    private transient HazelcastInstance member;

    @Override
    public final void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    /** What the receiving member keeps under {@code key} in its user context, or null. */
    final Object fromMember(String key) {
        return member.getUserContext().get(key);
    }

    @Override
    public final int getFactoryId() {
        return ClusterSerialization.FACTORY_ID;
    }
}
