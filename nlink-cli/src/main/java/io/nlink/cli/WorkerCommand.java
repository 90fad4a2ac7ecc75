package io.nlink.cli;

import io.nlink.cluster.NlinkCluster;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "worker",
        description = {
            "Starts a cluster member that runs chunks of other members' batches (docs/scaling.md).",
            "Start the first with no --join, then the others with --join FIRST_HOST:PORT; `nlink run --join` spreads a batch over them.",
            "Stops on SIGTERM or Ctrl-C, leaving the cluster in order; a killed member's chunks run again elsewhere."
        })
final class WorkerCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        NlinkCluster member = NlinkCluster.start(cluster.config());
        Runtime.getRuntime().addShutdownHook(new Thread(member::close, "nlink-worker-shutdown"));
        System.out.println("nLink worker " + member.address() + " in a cluster of "
                + member.members().size() + " member(s), " + member.totalLanes() + " lane(s) in all");
        System.out.flush();
        member.awaitShutdown();
        return 0;
    }
}
