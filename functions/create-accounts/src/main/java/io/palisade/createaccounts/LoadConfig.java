package io.palisade.createaccounts;

import io.palisade.common.aws.OrganizationAccess;
import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.state.RunState;
import io.palisade.common.state.StateLocator;
import io.palisade.common.state.StateRecord;
import io.palisade.common.state.StateStore;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * For a scheduled drift run, whose input names no config: the config of the last run, read
 * from the state record. The identity account carries a tag naming the state bucket
 * (set by migrate-state), so nothing but the organization itself is needed to find it.
 */
public final class LoadConfig {
    private static final Logger LOG = LoggerFactory.getLogger(LoadConfig.class);

    private final Clients clients;
    private final OrganizationsClient organizations;

    public LoadConfig(Clients clients, OrganizationsClient organizations) {
        this.clients = clients;
        this.organizations = organizations;
    }

    public OrgConfig apply(RunState input) {
        if (input.config() != null) {
            return input.config();
        }
        List<StateLocator.Location> locations = StateLocator.find(organizations);
        if (locations.isEmpty()) {
            throw noConfig("no organization, or no account carries the " + StateStore.BUCKET_TAG
                    + " tag of a previous run");
        }
        // one organization has one identity account; should several carry the tag, the most recent run wins
        StateRecord latest = null;
        String from = null;
        for (StateLocator.Location location : locations) {
            var creds = OrganizationAccess.memberAccounts(clients).in(location.accountId()); // an identity account
            StateRecord record = new StateStore(clients.s3(creds), location.bucket()).read()
                    .map(StateStore.Versioned::record).orElse(null);
            if (record != null && record.config() != null
                    && (latest == null || lastRun(record).compareTo(lastRun(latest)) > 0)) {
                latest = record;
                from = location.bucket();
            }
        }
        if (latest != null) {
            LOG.info("Drift run uses the config of the last run, from s3://{}/{}", from, Names.STATE_KEY);
            return latest.config();
        }
        throw noConfig("no account carries the " + StateStore.BUCKET_TAG + " tag of a previous run");
    }

    /** When the record's last run started; a record without a readable time counts as oldest. */
    static Instant lastRun(StateRecord record) {
        var history = record.history();
        if (history == null || history.isEmpty()) {
            return Instant.EPOCH;
        }
        try {
            return Instant.parse(history.get(history.size() - 1).startedAt());
        } catch (RuntimeException unreadable) {
            return Instant.EPOCH;
        }
    }

    private static InvalidConfigException noConfig(String why) {
        return new InvalidConfigException("Invalid input: config is required for the first run ("
                + why + "); a scheduled drift run reuses the config of the last run");
    }
}
