package io.nlink.server.workflows;

import io.nlink.cluster.NlinkCluster;
import java.util.List;

/** This server's place in the cluster, once its member is up: its address and who else is there. */
final class Membership {
    private volatile NlinkCluster member;

    void join(NlinkCluster member) {
        this.member = member;
    }

    /** The cluster member, or null before it is up. */
    NlinkCluster member() {
        return member;
    }

    /** This member's {@code host:port}, or null before it is up. */
    String address() {
        NlinkCluster m = member;
        return m == null ? null : m.address();
    }

    /** Whether this server is a cluster of one: then only it answers questions about its runs. */
    boolean alone() {
        NlinkCluster m = member;
        return m == null || m.members().size() <= 1;
    }

    /** The addresses of the cluster's members now, this one included. */
    List<String> liveMembers() {
        NlinkCluster m = member;
        return m == null
                ? List.of()
                : m.members().stream().map(NlinkCluster.MemberInfo::address).toList();
    }
}
