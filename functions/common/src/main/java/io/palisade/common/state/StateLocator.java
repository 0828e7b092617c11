package io.palisade.common.state;

import io.palisade.common.aws.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;

/** Finds the state record from the organization alone (apart from {@link StateStore}: it needs Organizations). */
public final class StateLocator {
    private StateLocator() {}

    /** Where a state record lives: the identity account and its state bucket. */
    public record Location(String accountId, String bucket) {}

    /**
     * The state buckets the organization's accounts are tagged with ({@link StateStore#BUCKET_TAG}, set by
     * migrate-state): how a run that has no config, or a cleanup that has only an execution's
     * name, finds the record. Empty when there is no organization or no tag yet.
     */
    public static List<Location> find(OrganizationsClient organizations) {
        List<String> accounts = new ArrayList<>();
        try {
            organizations.listAccountsPaginator(r -> {}).forEach(page -> page.accounts().forEach(a -> accounts.add(a.id())));
        } catch (AwsOrganizationsNotInUseException e) {
            return List.of();
        }
        // one ListTagsForResource per account, a few at a time: read one by one, a 300-account
        // organization is 300 calls in a row, each waiting out its own backoff when Organizations
        // throttles, and a cleanup after a stopped execution must finish within a minute
        List<Optional<Location>> tagged = Parallel.map(accounts, id -> organizations
                .listTagsForResource(r -> r.resourceId(id)).tags().stream()
                .filter(t -> StateStore.BUCKET_TAG.equals(t.key())).findFirst()
                .map(t -> new Location(id, t.value())));
        return tagged.stream().flatMap(Optional::stream).toList();
    }
}
