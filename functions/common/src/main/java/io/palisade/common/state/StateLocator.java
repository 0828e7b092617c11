package io.palisade.common.state;

import java.util.ArrayList;
import java.util.List;
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
        List<Location> found = new ArrayList<>();
        try {
            for (var page : organizations.listAccountsPaginator(r -> {})) {
                for (var account : page.accounts()) {
                    organizations.listTagsForResource(r -> r.resourceId(account.id())).tags().stream()
                            .filter(t -> StateStore.BUCKET_TAG.equals(t.key())).findFirst()
                            .ifPresent(t -> found.add(new Location(account.id(), t.value())));
                }
            }
        } catch (AwsOrganizationsNotInUseException e) {
            return List.of();
        }
        return found;
    }
}
