package io.nlink.cluster;

import static io.nlink.cluster.ClusterBatchTest.REFUSING_JS;
import static io.nlink.cluster.ClusterBatchTest.items;
import static io.nlink.cluster.ClusterBatchTest.jsPackage;
import static io.nlink.cluster.ClusterBatchTest.params;
import static io.nlink.cluster.ClusterBatchTest.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster secret with real members on loopback: members without it, or with another, are
 * turned away at join; a process that got past the join (it learnt the join token, which crosses
 * the wire in the clear) but does not hold the secret can neither read work sent to it nor have
 * work run by the others, and is sent no more; tasks are accepted once, for their member only.
 */
class ClusterSecretTest {
    private static final String SECRET = "correct horse battery staple";
    private static final String NAME =
            "nlink-secret-test-" + ProcessHandle.current().pid();
    private static final ClusterConfig CONFIG =
            ClusterConfig.DEFAULTS.withName(NAME).withPort(5931).withLanes(1).withSecret(SECRET);

    private static NlinkCluster holder;
    private static final AtomicInteger echoesOnHolder = new AtomicInteger();
    private static final AtomicInteger pingsOnHolder = new AtomicInteger();

    @BeforeAll
    static void startAMemberWithTheSecret() throws Exception {
        holder = NlinkCluster.start(
                CONFIG, runtimes(), List.of(echo("echo", 1, echoesOnHolder), echo("ping", 1, pingsOnHolder)));
    }

    @AfterAll
    static void stop() {
        if (holder != null) holder.close();
    }

    @Test
    void aMemberWithoutTheSecretOrWithAnotherCannotJoinAndOneWithItDoes() throws Exception {
        try (NlinkCluster without = NlinkCluster.start(CONFIG.withSecret(null).withMembers(List.of(holder.address())));
                NlinkCluster other = NlinkCluster.start(
                        CONFIG.withSecret("another secret of some length").withMembers(List.of(holder.address())))) {
            assertThat(without.members())
                    .as("the member without the secret is alone")
                    .hasSize(1);
            assertThat(other.members())
                    .as("the member with another secret is alone")
                    .hasSize(1);
            assertThat(holder.members())
                    .extracting(NlinkCluster.MemberInfo::address)
                    .containsExactly(holder.address());
        }
        try (NlinkCluster with = NlinkCluster.start(CONFIG.withMembers(List.of(holder.address())))) {
            assertThat(with.members()).hasSize(2);
            String sha256 = with.publish(zip(jsPackage(REFUSING_JS)));
            List<ItemResult> results = new ArrayList<>();
            try (ClusterBatch batch = with.newBatch(
                    sha256,
                    params("{\"text\":\"x\"}"),
                    SandboxLimits.DEFAULTS,
                    ClusterBatch.Options.DEFAULTS.withChunkSize(5).withContinueOnFail(true))) {
                assertThat(batch.run(items(200), results::add)).isTrue();
                assertThat(batch.itemsPerMember())
                        .as("the member with the secret took work")
                        .containsKey(holder.address());
            }
            assertThat(results)
                    .extracting(ItemResult::index)
                    .containsExactlyElementsOf(LongStream.range(0, 200).boxed().toList());
        }
    }

    @Test
    void aProcessThatGotPastTheJoinWithoutTheSecretNeitherReceivesNorSendsWork() throws Exception {
        AtomicInteger echoesOnIntruder = new AtomicInteger();
        MessageSeal intruderSeal =
                MessageSeal.of("a guess at the secret, wrong", NAME).withJoinTokenOf(MessageSeal.of(SECRET, NAME));
        // Eight lanes and many slots: were it trusted, it would be handed work first.
        try (NlinkCluster intruder = NlinkCluster.start(
                CONFIG.withLanes(8).withMembers(List.of(holder.address())),
                runtimes(),
                List.of(echo("echo", 100, echoesOnIntruder)),
                null,
                intruderSeal)) {
            assertThat(holder.hazelcast().getCluster().getMembers())
                    .as("it got past the join")
                    .hasSize(2);

            String sha256 = holder.publish(zip(jsPackage(REFUSING_JS)));
            List<ItemResult> results = new ArrayList<>();
            try (ClusterBatch batch = holder.newBatch(
                    sha256,
                    params("{\"text\":\"x\"}"),
                    SandboxLimits.DEFAULTS,
                    ClusterBatch.Options.DEFAULTS.withChunkSize(5).withContinueOnFail(true))) {
                assertThat(batch.run(items(100), results::add)).isTrue();
                assertThat(batch.itemsPerMember()).containsOnlyKeys(holder.address());
                assertThat(batch.rerunChunks())
                        .as("the chunks it refused ran again on the holder")
                        .isPositive();
            }
            assertThat(results)
                    .extracting(ItemResult::index)
                    .containsExactlyElementsOf(LongStream.range(0, 100).boxed().toList());
            assertThat(results)
                    .allSatisfy(r -> assertThat(r.ok() || r.index() == 7).isTrue());
            assertThat(intruder.idleLanes()).as("no chunk ran on the intruder").isZero();
            assertThat(holder.members())
                    .as("the intruder is no longer counted")
                    .extracting(NlinkCluster.MemberInfo::address)
                    .containsExactly(holder.address());

            // A call goes to the roomiest member, the intruder; it cannot open it, so it runs on the holder.
            byte[] answer = holder.call("echo", "hello".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("echo: hello");
            assertThat(echoesOnIntruder).hasValue(0);

            // The intruder's calls to the holder are refused: nothing runs there on its behalf.
            assertThatThrownBy(() -> intruder.call("ping", new byte[] {1}))
                    .isInstanceOf(ClusterService.ServiceException.class)
                    .hasMessageContaining("no member of the cluster offers ping");
            assertThat(pingsOnHolder).hasValue(0);
        }
    }

    @Test
    void aSealedTaskIsAcceptedOnceAndOnlyByItsMember() throws Exception {
        MessageSeal seal = MessageSeal.of(SECRET, "replay-test");
        UUID self = UUID.randomUUID();
        byte[] nonce = MessageSeal.newNonce();
        long now = System.currentTimeMillis();
        seal.acceptOnce(self, self, now, nonce);
        assertThatThrownBy(() -> seal.acceptOnce(self, self, now, nonce)).hasMessageContaining("a second time");
        assertThatThrownBy(() -> seal.acceptOnce(UUID.randomUUID(), self, now, MessageSeal.newNonce()))
                .hasMessageContaining("another member");
        assertThatThrownBy(() ->
                        seal.acceptOnce(self, self, now - Duration.ofMinutes(5).toMillis(), MessageSeal.newNonce()))
                .hasMessageContaining("clock");

        byte[] context = {1, 2, 3};
        byte[] sealed = seal.seal("work".getBytes(StandardCharsets.UTF_8), nonce, context);
        assertThat(new String(seal.open(sealed, nonce, context), StandardCharsets.UTF_8))
                .isEqualTo("work");
        assertThatThrownBy(() -> seal.open(sealed, nonce, new byte[] {1, 2, 4}))
                .hasMessageContaining("not sealed with this cluster's secret");
        assertThatThrownBy(() -> MessageSeal.of("another secret of some length", "replay-test")
                        .open(sealed, nonce, context))
                .isInstanceOf(MessageSeal.Refused.class);
        assertThat(seal.hazelcastName("replay-test")).startsWith("replay-test-").doesNotContain(SECRET);
    }

    @Test
    void aMemberListeningBeyondLoopbackNeedsASecretOfSomeLength() {
        assertThatThrownBy(() -> NlinkCluster.start(ClusterConfig.DEFAULTS.withHost("192.0.2.10")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("192.0.2.10")
                .hasMessageContaining("NLINK_CLUSTER_SECRET")
                .hasMessageContaining("--cluster-secret-file");
        assertThatThrownBy(() -> ClusterConfig.DEFAULTS.withSecret("short")).hasMessageContaining("at least 16");
        assertThat(CONFIG.toString()).doesNotContain(SECRET).contains("secret=set");
    }

    @Test
    void aPeersLimitsAreCappedByThisMembersOwn() {
        SandboxLimits own = SandboxLimits.DEFAULTS
                .withMemoryPages(64)
                .withJsMemoryBytes(16L << 20)
                .withMaxOutputBytes(1 << 20);
        try (MemberLanes lanes = new MemberLanes(runtimes(), 1, Duration.ofSeconds(60), own)) {
            SandboxLimits asked = SandboxLimits.DEFAULTS.withJsMemoryBytes(0).withItemTimeout(Duration.ofSeconds(30));
            SandboxLimits got = lanes.capped(asked);
            assertThat(got.memoryPages()).isEqualTo(64);
            assertThat(got.jsMemoryBytes())
                    .as("no bound asked: this member's bound")
                    .isEqualTo(16L << 20);
            assertThat(got.maxOutputBytes()).isEqualTo(1 << 20);
            assertThat(got.itemTimeout()).as("the sender's timeout").isEqualTo(Duration.ofSeconds(30));
            assertThat(lanes.capped(SandboxLimits.DEFAULTS.withMemoryPages(16)).memoryPages())
                    .as("less is kept")
                    .isEqualTo(16);
        }
    }

    private static ClusterService echo(String name, int slots, AtomicInteger runs) {
        return new ClusterService(name, slots, request -> {
            runs.incrementAndGet();
            return ("echo: " + new String(request, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        });
    }

    private static NodeRuntime runtimes() {
        return NodeRuntime.builder().build();
    }
}
