package io.palisade.applyaccounts;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import io.palisade.common.config.OrgConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;
import software.amazon.awssdk.services.iam.model.UpdateAccountPasswordPolicyRequest;
import software.amazon.awssdk.services.s3control.S3ControlClient;
import software.amazon.awssdk.services.s3control.model.PublicAccessBlockConfiguration;
import software.amazon.awssdk.services.s3control.model.S3ControlException;

/**
 * What every account gets for the whole account, the management account included (CIS checks
 * each account, and the seed set these only where the users are):
 * <ul>
 *   <li>the IAM password policy of the config (CIS 1.8 length, 1.9 reuse prevention);</li>
 *   <li>S3 Block Public Access for the account, all four settings on (CIS 2.1.4, Security Hub
 *       S3.1): no bucket of the account can be made public by an ACL or a policy, whatever its own
 *       setting says.</li>
 * </ul>
 * Read first; each setting that differs is one change, and one call repairs all of a kind.
 */
final class AccountSettings {
    /** Every public access blocked, for the whole account. */
    static final PublicAccessBlockConfiguration BLOCK_ALL = PublicAccessBlockConfiguration.builder()
            .blockPublicAcls(true).ignorePublicAcls(true).blockPublicPolicy(true).restrictPublicBuckets(true).build();
    static final String PASSWORD_POLICY = "iam:password-policy";
    static final String PUBLIC_ACCESS_BLOCK = "s3:account-public-access-block";

    private final IamClient iam;
    private final S3ControlClient s3Control;
    private final Change.Account account;
    /** The account's id as S3 Control wants it in each request; {@code null} for one that does not exist yet. */
    private final String accountId;

    AccountSettings(IamClient iam, S3ControlClient s3Control, Change.Account account, String accountId) {
        this.iam = iam;
        this.s3Control = s3Control;
        this.account = account;
        this.accountId = accountId;
    }

    /** Reads both settings and plans what differs; changes nothing. */
    Plan plan(OrgConfig.PasswordPolicy passwords) {
        Plan plan = new Plan();
        if (passwords != null) {
            plan.addAll(planPasswordPolicy(passwords));
        }
        plan.addAll(planPublicAccessBlock());
        return plan;
    }

    Plan planPasswordPolicy(OrgConfig.PasswordPolicy want) {
        PasswordPolicy have;
        try {
            have = iam.getAccountPasswordPolicy().passwordPolicy();
        } catch (NoSuchEntityException e) {
            have = null;
        }
        Plan plan = new Plan();
        Runnable update = ApplyAccounts.once(() -> iam.updateAccountPasswordPolicy(passwordPolicyRequest(want)));
        if (have == null) {
            return plan.add(Change.create(account, PASSWORD_POLICY, ""), update);
        }
        passwordPolicyDifferences(want, have).forEach((field, values) -> plan.add(Change.update(account,
                PASSWORD_POLICY, "", field, values.get(0), values.get(1)), update));
        return plan;
    }

    /**
     * The account's Block Public Access: created when the account has none, else one change per
     * setting that is off. A Put sets all four at once.
     */
    Plan planPublicAccessBlock() {
        PublicAccessBlockConfiguration have = publicAccessBlock();
        Runnable put = ApplyAccounts.once(() -> s3Control.putPublicAccessBlock(r -> r.accountId(accountId)
                .publicAccessBlockConfiguration(BLOCK_ALL)));
        Plan plan = new Plan();
        if (have == null) {
            return plan.add(Change.create(account, PUBLIC_ACCESS_BLOCK, ""), put);
        }
        shown(BLOCK_ALL).forEach((field, want) -> {
            Boolean actual = shown(have).get(field);
            if (!want.equals(actual)) {
                plan.add(Change.update(account, PUBLIC_ACCESS_BLOCK, "", field, want, actual), put);
            }
        });
        return plan;
    }

    /** The account's configuration, or {@code null} when it has none (S3 Control answers 404). */
    private PublicAccessBlockConfiguration publicAccessBlock() {
        try {
            return s3Control.getPublicAccessBlock(r -> r.accountId(accountId)).publicAccessBlockConfiguration();
        } catch (S3ControlException e) {
            // NoSuchPublicAccessBlockConfiguration
            if (e.statusCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    /** The four settings in the order AWS lists them; a setting S3 Control leaves out is off. */
    static Map<String, Boolean> shown(PublicAccessBlockConfiguration block) {
        Map<String, Boolean> shown = new LinkedHashMap<>();
        shown.put("blockPublicAcls", Boolean.TRUE.equals(block.blockPublicAcls()));
        shown.put("ignorePublicAcls", Boolean.TRUE.equals(block.ignorePublicAcls()));
        shown.put("blockPublicPolicy", Boolean.TRUE.equals(block.blockPublicPolicy()));
        shown.put("restrictPublicBuckets", Boolean.TRUE.equals(block.restrictPublicBuckets()));
        return shown;
    }

    /**
     * Each field of {@code want} that {@code have} does not enforce, in the config's names, with
     * the value wanted and the value found (a count IAM leaves out is 0).
     */
    static Map<String, List<Object>> passwordPolicyDifferences(OrgConfig.PasswordPolicy want, PasswordPolicy have) {
        Map<String, List<Object>> differ = new LinkedHashMap<>();
        differ(differ, "minimumLength", want.minimumLength(), have.minimumPasswordLength());
        differ(differ, "requireUppercase", want.requireUppercase(), have.requireUppercaseCharacters());
        differ(differ, "requireLowercase", want.requireLowercase(), have.requireLowercaseCharacters());
        differ(differ, "requireNumbers", want.requireNumbers(), have.requireNumbers());
        differ(differ, "requireSymbols", want.requireSymbols(), have.requireSymbols());
        differ(differ, "allowUsersToChange", want.allowUsersToChange(), have.allowUsersToChangePassword());
        // IAM leaves these out when off; the config says 0
        differ(differ, "reusePrevention", want.reusePrevention(),
                have.passwordReusePrevention() == null ? 0 : have.passwordReusePrevention());
        differ(differ, "maxAgeDays", want.maxAgeDays(), have.maxPasswordAge() == null ? 0 : have.maxPasswordAge());
        return differ;
    }

    private static void differ(Map<String, List<Object>> differ, String field, Object want, Object have) {
        if (!(want == null || want.equals(have))) {
            differ.put(field, java.util.Arrays.asList(want, have));
        }
    }

    /** Whether {@code have} already enforces {@code want}; a field the config leaves out is not compared. */
    static boolean passwordPolicyMatches(OrgConfig.PasswordPolicy want, PasswordPolicy have) {
        if (have == null) {
            return false;
        }
        return passwordPolicyDifferences(want, have).isEmpty();
    }

    static UpdateAccountPasswordPolicyRequest passwordPolicyRequest(OrgConfig.PasswordPolicy want) {
        var r = UpdateAccountPasswordPolicyRequest.builder()
                .minimumPasswordLength(want.minimumLength())
                .requireUppercaseCharacters(want.requireUppercase())
                .requireLowercaseCharacters(want.requireLowercase())
                .requireNumbers(want.requireNumbers())
                .requireSymbols(want.requireSymbols())
                .allowUsersToChangePassword(want.allowUsersToChange());
        if (want.reusePrevention() != null && want.reusePrevention() > 0) {
            r.passwordReusePrevention(want.reusePrevention());
        }
        if (want.maxAgeDays() != null && want.maxAgeDays() > 0) {
            r.maxPasswordAge(want.maxAgeDays());
        }
        return r.build();
    }
}
