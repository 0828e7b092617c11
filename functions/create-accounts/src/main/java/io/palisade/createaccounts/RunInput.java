package io.palisade.createaccounts;

import io.palisade.common.config.ConfigValidator;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.errors.AccountCreationRejectedException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.AccountJoinedMethod;
import software.amazon.awssdk.services.organizations.model.Organization;
import software.amazon.awssdk.services.organizations.model.OrganizationFeatureSet;

/**
 * What both first phases share: the checks on a run's input before any call, and the reads of
 * the organization. CreateAccounts changes the organization, PlanAccounts only reads it; this is
 * its own class so that the read-only phase reaches none of CreateAccounts' changing calls
 * (FunctionPermissionsTest follows every call a handler's classes can make).
 */
final class RunInput {
    private RunInput() {}

    /** The validated config; an {@link InvalidConfigException} naming the field otherwise. */
    static OrgConfig validated(RunState input) {
        if (input.config() == null) {
            throw new InvalidConfigException("Invalid input: config is required (the organization config as JSON)");
        }
        OrgConfig config = ConfigValidator.validate(input.config());
        ConfigValidator.validateLogin(input.oneTimeLogin(), config);
        ConfigValidator.validateMode(input.mode());
        return config;
    }

    /** Palisade needs all features (SCPs, the access role): an organization with consolidated billing only is refused. */
    static Organization requireAllFeatures(Organization org) {
        if (org.featureSet() != OrganizationFeatureSet.ALL) {
            throw new AccountCreationRejectedException("The organization " + org.id()
                    + " has only consolidated billing; enable all features before running Palisade");
        }
        return org;
    }

    /** Every account of the organization. */
    static List<Account> listAccounts(OrganizationsClient organizations) {
        List<Account> all = new ArrayList<>();
        organizations.listAccountsPaginator(r -> {}).forEach(page -> all.addAll(page.accounts()));
        return all;
    }

    /** The status an account found by its email has: {@code EXISTING}, or {@code INVITED} if it joined by invitation. */
    static String foundStatus(Account existing) {
        return existing.joinedMethod() == AccountJoinedMethod.INVITED ? AccountRef.INVITED : "EXISTING";
    }

    /** The identity account's id, or {@code null} while it is queued, being created, or only planned. */
    static String identityId(List<AccountRef> accounts, OrgConfig config) {
        return accounts.stream().filter(a -> a.key().equals(config.identityAccount()) && a.id() != null)
                .map(AccountRef::id).findFirst().orElse(null);
    }
}
