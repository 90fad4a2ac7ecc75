package io.nlink.server.refusal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.server.http.Refusals;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefusalTest {
    /** A refusal made on another cluster member travels as its kind and message: every kind comes back as itself. */
    @Test
    void everyKindSurvivesTheTripBetweenMembers() {
        List<Class<?>> kinds = Arrays.asList(Refusal.class.getPermittedSubclasses());
        assertThat(kinds).hasSize(9);
        for (Class<?> kind : kinds) {
            Refusal revived = Refusal.revive(kind.getSimpleName(), "no workflow 7");
            assertThat(revived).as(kind.getSimpleName()).isExactlyInstanceOf(kind);
            assertThat(revived.kind()).isEqualTo(kind.getSimpleName());
            assertThat(revived).hasMessage("no workflow 7");
        }
        assertThat(Refusal.revive("FromANewerMember", "?"))
                .as("a kind this server does not know is its own fault, answered 500")
                .isInstanceOfSatisfying(
                        Broken.class, r -> assertThat(Refusals.status(r)).isEqualTo(500));
        assertThat(Refusal.revive(null, "?")).isInstanceOf(Broken.class);
    }

    @Test
    void eachKindHasItsOwnStatus() {
        List<Integer> statuses = Arrays.stream(Refusal.class.getPermittedSubclasses())
                .map(kind -> Refusals.status(Refusal.revive(kind.getSimpleName(), "")))
                .toList();
        assertThat(statuses)
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrder(400, 401, 403, 404, 409, 422, 429, 500, 503);
    }

    @Test
    void busyTellsHowLongToWaitAndNeverZeroWhenItKnows() {
        assertThat(new Busy("locked", 0).retryAfterSeconds()).isEqualTo(1);
        assertThat(new Busy("locked", 30).retryAfterSeconds()).isEqualTo(30);
        assertThat(new Busy("every slot is busy").retryAfterSeconds())
                .as("no wait known")
                .isZero();
    }
}
