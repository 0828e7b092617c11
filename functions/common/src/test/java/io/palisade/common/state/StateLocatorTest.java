package io.palisade.common.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.model.ListAccountsRequest;
import software.amazon.awssdk.services.organizations.model.ListAccountsResponse;
import software.amazon.awssdk.services.organizations.model.ListTagsForResourceRequest;
import software.amazon.awssdk.services.organizations.model.ListTagsForResourceResponse;
import software.amazon.awssdk.services.organizations.model.Tag;

class StateLocatorTest {

    /** 40 accounts; two carry the state-bucket tag; each tag read takes 20 ms. */
    private static class Organization implements OrganizationsClient {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final List<Account> accounts = IntStream.range(0, 40)
                .mapToObj(i -> Account.builder().id(String.format("%012d", i)).build()).toList();

        @Override
        public ListAccountsResponse listAccounts(ListAccountsRequest r) {
            int start = r.nextToken() == null ? 0 : Integer.parseInt(r.nextToken());
            int end = Math.min(start + 20, accounts.size());
            return ListAccountsResponse.builder().accounts(accounts.subList(start, end))
                    .nextToken(end < accounts.size() ? String.valueOf(end) : null).build();
        }

        @Override
        public ListTagsForResourceResponse listTagsForResource(ListTagsForResourceRequest r) {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
            var tags = ListTagsForResourceResponse.builder();
            if (r.resourceId().endsWith("07") || r.resourceId().endsWith("33")) {
                tags.tags(Tag.builder().key(StateStore.BUCKET_TAG).value("bucket-" + r.resourceId()).build(),
                        Tag.builder().key("other").value("x").build());
            }
            return tags.build();
        }

        @Override
        public String serviceName() {
            return "organizations";
        }

        @Override
        public void close() {}
    }

    @Test
    void find_readsEveryAccountsTagsAFewAtATimeAndKeepsTheOrganizationsOrder() {
        Organization org = new Organization();

        List<StateLocator.Location> found = StateLocator.find(org);

        assertThat(found).containsExactly(new StateLocator.Location("000000000007", "bucket-000000000007"),
                new StateLocator.Location("000000000033", "bucket-000000000033"));
        assertThat(org.most.get()).as("tag reads in flight at once").isGreaterThan(1)
                .isLessThanOrEqualTo(io.palisade.common.aws.Parallel.THREADS);
    }

    @Test
    void find_withoutAnOrganization_isEmpty() {
        OrganizationsClient none = new Organization() {
            @Override
            public ListAccountsResponse listAccounts(ListAccountsRequest r) {
                throw AwsOrganizationsNotInUseException.builder().message("no organization").build();
            }
        };

        assertThat(StateLocator.find(none)).isEmpty();
    }
}
