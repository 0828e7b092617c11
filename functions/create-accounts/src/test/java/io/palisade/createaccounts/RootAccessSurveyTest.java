package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.aws.Change;
import io.palisade.common.state.AccountRef;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.AccountStatus;

class RootAccessSurveyTest {
    private static final Change.Account PROD = new Change.Account("222222222222", "prod");

    @Test
    void line_whenTheConfigKeepsRootCredentials_isAFindingTheReportDoesNotCountAsAChange() {
        var key = new RootAccessSurvey.Credential(PROD.id(), "access-key", "AKIAEXAMPLE");

        assertThat(RootAccessSurvey.line(PROD, key, false)).isEqualTo("! iam:root-access-key prod/AKIAEXAMPLE");
        assertThat(RootAccessSurvey.line(PROD, key, true)).isEqualTo("- iam:root-access-key prod/AKIAEXAMPLE");
    }

    @Test
    void line_whenTheAccountIsNotInTheConfig_namesItById() {
        var password = new RootAccessSurvey.Credential("333333333333", "password", "root");

        assertThat(RootAccessSurvey.line(new Change.Account("333333333333", null), password, false))
                .isEqualTo("! iam:root-password 333333333333/root");
    }

    @Test
    void members_leavesOutTheManagementAccountAndAccountsThatAreNotActive() {
        List<Account> accounts = List.of(
                account("111111111111", AccountStatus.ACTIVE),
                account("222222222222", AccountStatus.ACTIVE),
                account("333333333333", AccountStatus.ACTIVE),
                account("444444444444", AccountStatus.SUSPENDED));
        List<AccountRef> configured = List.of(
                new AccountRef("prod", "Prod", "p@example.com", "222222222222", null, "EXISTING", null, 0),
                new AccountRef("new", "New", "n@example.com", null, "car-1", "IN_PROGRESS", null, 1));

        assertThat(RootAccessSurvey.members(accounts, "111111111111", configured)).containsExactly(
                PROD, new Change.Account("333333333333", null));
    }

    @Test
    void all_isTrustedAccessThenBothFeatures() {
        assertThat(RootAccessSurvey.all()).extracting(Change::render).containsExactly(
                "+ organizations:trusted-access iam.amazonaws.com",
                "+ iam:organizations-feature RootCredentialsManagement",
                "+ iam:organizations-feature RootSessions");
    }

    private static Account account(String id, AccountStatus status) {
        return Account.builder().id(id).status(status).build();
    }
}
