package io.palisade.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palisade.common.Json;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.testkit.Emulator;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class ConfigValidatorTest {
    private static final String PGP_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBF...\n"
            + "-----END PGP PUBLIC KEY BLOCK-----\n";

    /** A valid config (the default shape) changed as JSON, so each test states only what it breaks. */
    private static OrgConfig with(Consumer<ObjectNode> change) {
        ObjectNode tree = Json.MAPPER.valueToTree(Emulator.config("example"));
        change.accept(tree);
        return Json.MAPPER.convertValue(tree, OrgConfig.class);
    }

    private static ObjectNode at(ObjectNode tree, String pointer) {
        return (ObjectNode) tree.at(pointer);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> rejects(Consumer<ObjectNode> change) {
        OrgConfig config = with(change);
        return assertThatThrownBy(() -> ConfigValidator.validate(config)).isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void validate_whenConfigIsValid_returnsIt() {
        OrgConfig config = with(c -> {});

        assertThat(ConfigValidator.validate(config)).isSameAs(config);
    }

    @Test
    void validate_whenConfigIsNull_saysItIsEmpty() {
        assertThatThrownBy(() -> ConfigValidator.validate(null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("Invalid config: config is empty");
    }

    @Test
    void validate_whenSeveralFieldsAreInvalid_reportsThemAllInOneMessage() {
        rejects(c -> {
            at(c, "/organization").put("name", "Bad Name");
            at(c, "/accounts/0").put("email", "nope");
            at(c, "/passwordPolicy").put("minimumLength", 8);
        }).hasMessageStartingWith("Invalid config: ")
                .hasMessageContaining("organization.name ")
                .hasMessageContaining("accounts[0].email ")
                .hasMessageContaining("passwordPolicy.minimumLength ");
    }

    // ---------------------------------------------------------------- roles

    @Test
    void validate_whenNoRoles_requiresOne() {
        rejects(c -> c.putObject("roles")).hasMessageContaining("roles must define at least one role");
    }

    @Test
    void validate_whenRoleNameIsNotAnIamName_namesTheRole() {
        rejects(c -> at(c, "/roles").set("Bad Role", Json.MAPPER.createObjectNode().put("policy", "ReadOnlyAccess")))
                .hasMessageContaining("roles.Bad Role is not a valid IAM role name");
    }

    @Test
    void validate_whenRolePolicyIsMissingOrMalformed_namesThePolicyField() {
        rejects(c -> at(c, "/roles/Developer").remove("policy"))
                .hasMessageContaining("roles.Developer.policy is required");
        rejects(c -> at(c, "/roles/Developer").put("policy", "arn:aws:iam::aws:policy/PowerUserAccess"))
                .hasMessageContaining("roles.Developer.policy 'arn:aws:iam::aws:policy/PowerUserAccess'");
    }

    // ---------------------------------------------------------------- organization

    @Test
    void validate_whenOrganizationIsMissing_requiresIt() {
        rejects(c -> c.remove("organization")).hasMessageContaining("organization is required");
    }

    @Test
    void validate_whenOrganizationNameIsInvalid_namesOrganizationName() {
        for (String name : new String[] {"Example", "-example", "e", "a".repeat(41), "ex_ample"}) {
            rejects(c -> at(c, "/organization").put("name", name)).as(name)
                    .hasMessageContaining("organization.name must be 2-29 lowercase");
        }
    }

    @Test
    void validate_whenRegionIsInvalid_namesOrganizationRegion() {
        rejects(c -> at(c, "/organization").put("region", "us-east"))
                .hasMessageContaining("organization.region must be an AWS region");
        assertThatCode(() -> ConfigValidator.validate(with(c -> at(c, "/organization").put("region", "us-gov-west-1"))))
                .doesNotThrowAnyException();
    }

    @Test
    void validate_whenRegionLooksRightButDoesNotExist_namesOrganizationRegion() {
        rejects(c -> at(c, "/organization").put("region", "us-east-9"))
                .hasMessageContaining("organization.region 'us-east-9' is not an AWS region");
        assertThatCode(() -> ConfigValidator.validate(with(c -> at(c, "/organization").put("region", "eu-west-1"))))
                .doesNotThrowAnyException();
    }

    @Test
    void validate_whenAnAliasWouldBreakAwsRules_namesTheFieldThatMakesIt() {
        rejects(c -> at(c, "/organization").put("name", "acme-"))
                .hasMessageContaining("organization.name must not end with '-' or contain '--'");
        rejects(c -> at(c, "/organization").put("name", "ac--me"))
                .hasMessageContaining("organization.name must not end with '-' or contain '--'");
        rejects(c -> ((ObjectNode) c.at("/accounts/1")).put("key", "prod-"))
                .hasMessageContaining("accounts[1].key 'prod-' makes the account alias")
                .hasMessageContaining("which AWS refuses");
        rejects(c -> ((ObjectNode) c.at("/accounts/1")).put("key", "pr--od"))
                .hasMessageContaining("accounts[1].key 'pr--od'");
    }

    @Test
    void validate_whenANameIsOneThePhasesReserve_namesTheField() {
        rejects(c -> ((ObjectNode) c.at("/users/0")).put("name", "PalisadeTempAdmin"))
                .hasMessageContaining("users[0].name 'PalisadeTempAdmin' is Palisade's temporary bootstrap user");
        rejects(c -> ((ObjectNode) c.at("/groups/0")).put("name", "AllUsers"))
                .hasMessageContaining("groups[0].name 'AllUsers' is the group Palisade puts every user in");
        rejects(c -> ((ObjectNode) c.at("/roles")).set("PalisadeBootstrap",
                        Json.MAPPER.createObjectNode().put("policy", "AdministratorAccess")))
                .hasMessageContaining("roles.PalisadeBootstrap 'PalisadeBootstrap' is a role Palisade makes");
        rejects(c -> ((ObjectNode) c.at("/roles")).set("PalisadeAudit",
                        Json.MAPPER.createObjectNode().put("policy", "ReadOnlyAccess")))
                .hasMessageContaining("roles.PalisadeAudit 'PalisadeAudit' is a role Palisade makes");
    }

    @Test
    void validate_whenManagementRoleIsUndefined_namesItsIndex() {
        int index = Emulator.config("example").organization().managementRoles().size();
        rejects(c -> ((ArrayNode) c.at("/organization/managementRoles")).add("Auditor"))
                .hasMessageContaining("organization.managementRoles[" + index + "] 'Auditor' is not defined under roles");
    }

    // ---------------------------------------------------------------- accounts

    @Test
    void validate_whenNoAccounts_requiresOne() {
        rejects(c -> c.putArray("accounts")).hasMessageContaining("accounts must list at least one member account");
    }

    @Test
    void validate_whenAccountIsNull_namesItsIndex() {
        rejects(c -> ((ArrayNode) c.get("accounts")).addNull()).hasMessageContaining("accounts[3] is empty");
    }

    @Test
    void validate_whenAccountKeyIsInvalid_namesAccountKey() {
        rejects(c -> at(c, "/accounts/1").put("key", "Prod")).hasMessageContaining("accounts[1].key must be 1-20");
        rejects(c -> at(c, "/accounts/1").put("key", "p".repeat(21))).hasMessageContaining("accounts[1].key must be");
    }

    @Test
    void validate_whenAccountKeyIsManagement_saysItIsReserved() {
        rejects(c -> at(c, "/accounts/2").put("key", "management"))
                .hasMessageContaining("accounts[2].key 'management' is reserved");
    }

    @Test
    void validate_whenAccountKeyIsDuplicated_namesTheSecondAccount() {
        rejects(c -> at(c, "/accounts/2").put("key", "prod"))
                .hasMessageContaining("accounts[2].key 'prod' is used by another account");
    }

    @Test
    void validate_whenAccountNameIsMissingOrTooLong_namesAccountName() {
        rejects(c -> at(c, "/accounts/0").put("name", " ")).hasMessageContaining("accounts[0].name is required");
        rejects(c -> at(c, "/accounts/0").put("name", "n".repeat(51))).hasMessageContaining("accounts[0].name");
    }

    @Test
    void validate_whenEmailIsMalformedOrTooLong_namesAccountEmail() {
        rejects(c -> at(c, "/accounts/1").put("email", "prod.example.com"))
                .hasMessageContaining("accounts[1].email must be a valid email address");
        rejects(c -> at(c, "/accounts/1").put("email", "p".repeat(60) + "@example.com"))
                .hasMessageContaining("accounts[1].email must be a valid email address of at most 64 characters");
    }

    @Test
    void validate_whenEmailIsDuplicatedInAnyCase_namesTheSecondAccount() {
        rejects(c -> at(c, "/accounts/1").put("email", c.at("/accounts/0/email").asText().toUpperCase()))
                .hasMessageContaining("accounts[1].email '")
                .hasMessageContaining("is used by another account");
    }

    @Test
    void validate_whenAccountRoleIsUndefined_namesItsIndex() {
        int index = Emulator.config("example").accounts().get(1).roles().size();
        rejects(c -> ((ArrayNode) c.at("/accounts/1/roles")).add("Auditor"))
                .hasMessageContaining("accounts[1].roles[" + index + "] 'Auditor' is not defined under roles");
    }

    // ---------------------------------------------------------------- identity account

    @Test
    void validate_whenIdentityAccountIsMissingOrUnknown_namesIdentityAccount() {
        rejects(c -> c.remove("identityAccount")).hasMessageContaining("identityAccount is required");
        rejects(c -> c.put("identityAccount", "security"))
                .hasMessageContaining("identityAccount 'security' is not the key of a configured account");
    }

    // ---------------------------------------------------------------- groups

    @Test
    void validate_whenGroupNameIsInvalidOrDuplicated_namesGroupName() {
        rejects(c -> at(c, "/groups/0").put("name", "Infosec Admins"))
                .hasMessageContaining("groups[0].name must be a valid IAM group name");
        rejects(c -> at(c, "/groups/1").put("name", "InfosecAdmins"))
                .hasMessageContaining("groups[1].name 'InfosecAdmins' is defined twice");
    }

    @Test
    void validate_whenGroupGrantsNothing_namesGroupAssume() {
        rejects(c -> at(c, "/groups/3").putArray("assume"))
                .hasMessageContaining("groups[3].assume must name at least one account role");
    }

    @Test
    void validate_whenGrantNamesUnknownAccount_namesGrantAccount() {
        rejects(c -> at(c, "/groups/1/assume/0").put("account", "staging"))
                .hasMessageContaining("groups[1].assume[0].account 'staging' is not a configured account key");
        rejects(c -> at(c, "/groups/1/assume/0").remove("account"))
                .hasMessageContaining("groups[1].assume[0].account is required");
    }

    @Test
    void validate_whenGrantNamesRoleTheAccountDoesNotHave_namesGrantRole() {
        rejects(c -> at(c, "/groups/0/assume/0").put("role", "Developer"))
                .hasMessageContaining("groups[0].assume[0].role 'Developer' is not a role of account 'infosec'");
        rejects(c -> at(c, "/groups/5/assume/0").put("role", "Administrator"))
                .hasMessageContaining("groups[5].assume[0].role 'Administrator' is not a role of account 'management'");
    }

    // ---------------------------------------------------------------- users

    @Test
    void validate_whenUserNameIsInvalidOrDuplicated_namesUserName() {
        rejects(c -> at(c, "/users/0").put("name", "Example Admin"))
                .hasMessageContaining("users[0].name must be a valid IAM user name");
        rejects(c -> at(c, "/users/2").put("name", "ExampleAdmin"))
                .hasMessageContaining("users[2].name 'ExampleAdmin' is defined twice");
    }

    @Test
    void validate_whenUserJoinsUnknownGroup_namesTheUsersGroup() {
        rejects(c -> ((ArrayNode) c.at("/users/1/groups")).add("Auditors"))
                .hasMessageContaining("users[1].groups[2] 'Auditors' is not a configured group");
    }

    // ---------------------------------------------------------------- password policy

    @Test
    void validate_whenPasswordPolicyIsMissing_requiresIt() {
        rejects(c -> c.remove("passwordPolicy")).hasMessageContaining("passwordPolicy is required");
    }

    @Test
    void validate_whenMinimumLengthIsOutside14To128_namesMinimumLength() {
        for (int length : new int[] {8, 13, 129}) {
            rejects(c -> at(c, "/passwordPolicy").put("minimumLength", length)).as("length " + length)
                    .hasMessageContaining("passwordPolicy.minimumLength must be 14-128");
        }
        rejects(c -> at(c, "/passwordPolicy").remove("minimumLength"))
                .hasMessageContaining("passwordPolicy.minimumLength");
    }

    @Test
    void validate_whenReusePreventionIsNot24_namesReusePrevention() {
        for (int reuse : new int[] {0, 23, 25}) {
            rejects(c -> at(c, "/passwordPolicy").put("reusePrevention", reuse)).as("reuse " + reuse)
                    .hasMessageContaining("passwordPolicy.reusePrevention must be 24");
        }
    }

    @Test
    void validate_whenMaxAgeIsOutOfRange_namesMaxAgeDays() {
        rejects(c -> at(c, "/passwordPolicy").put("maxAgeDays", 0))
                .hasMessageContaining("passwordPolicy.maxAgeDays must be 1-1095");
        rejects(c -> at(c, "/passwordPolicy").put("maxAgeDays", 1096))
                .hasMessageContaining("passwordPolicy.maxAgeDays must be 1-1095");
        assertThatCode(() -> ConfigValidator.validate(with(c -> at(c, "/passwordPolicy").remove("maxAgeDays"))))
                .doesNotThrowAnyException();
    }

    @Test
    void validate_whenACharacterClassIsNotRequired_namesThatFlag() {
        for (String flag : new String[] {"requireUppercase", "requireLowercase", "requireNumbers", "requireSymbols"}) {
            rejects(c -> at(c, "/passwordPolicy").put(flag, false)).as(flag)
                    .hasMessageContaining("passwordPolicy." + flag + " must be true");
        }
    }

    @Test
    void validate_whenACharacterClassFlagIsOmitted_namesThatFlag() {
        for (String flag : new String[] {"requireUppercase", "requireLowercase", "requireNumbers", "requireSymbols"}) {
            rejects(c -> at(c, "/passwordPolicy").remove(flag)).as(flag + " missing")
                    .hasMessageContaining("passwordPolicy." + flag + " must be true");
        }
    }

    // ---------------------------------------------------------------- alerts

    @Test
    void validate_whenAlertEmailIsInvalid_namesItsIndex() {
        rejects(c -> ((ArrayNode) c.at("/alerts/emails")).add("security"))
                .hasMessageContaining("alerts.emails[1] 'security' is not a valid email address");
    }

    @Test
    void validate_whenAlertsAreOmitted_acceptsTheConfig() {
        assertThatCode(() -> ConfigValidator.validate(with(c -> c.remove("alerts")))).doesNotThrowAnyException();
    }

    // ---------------------------------------------------------------- one-time login

    @Test
    void validateLogin_whenRequestIsNullOrValid_accepts() {
        OrgConfig config = with(c -> {});

        assertThatCode(() -> ConfigValidator.validateLogin(null, config)).doesNotThrowAnyException();
        assertThatCode(() -> ConfigValidator.validateLogin(new OneTimeLoginRequest("ExampleAdmin", PGP_KEY), config))
                .doesNotThrowAnyException();
    }

    @Test
    void validateLogin_whenUserIsMissingOrUnknown_namesOneTimeLoginUser() {
        OrgConfig config = with(c -> {});

        assertThatThrownBy(() -> ConfigValidator.validateLogin(new OneTimeLoginRequest(null, PGP_KEY), config))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("Invalid input: oneTimeLogin.user is required");
        assertThatThrownBy(() -> ConfigValidator.validateLogin(new OneTimeLoginRequest("Mallory", PGP_KEY), config))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("oneTimeLogin.user 'Mallory' is not a user in the config");
    }

    @Test
    void validateLogin_whenKeyIsMissingOrNotArmored_namesOneTimeLoginPublicKey() {
        OrgConfig config = with(c -> {});

        assertThatThrownBy(() -> ConfigValidator.validateLogin(new OneTimeLoginRequest("ExampleAdmin", ""), config))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("oneTimeLogin.publicKey is required");
        assertThatThrownBy(() -> ConfigValidator.validateLogin(
                new OneTimeLoginRequest("ExampleAdmin", "mQENBFxyz"), config))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("oneTimeLogin.publicKey is not ASCII-armored");
    }

    @Test
    void validate_whenAnAccountAliasOverrideIsNotOneAwsAccepts_namesTheAliasField() {
        rejects(c -> at(c, "/accounts/1").put("alias", "bad--alias"))
                .hasMessageContaining("accounts[1].alias 'bad--alias' is not an account alias AWS accepts");
        rejects(c -> at(c, "/accounts/1").put("alias", "Upper"))
                .hasMessageContaining("accounts[1].alias");
    }

    @Test
    void validate_whenAnAccountHasAnAliasOverride_usesIt() {
        OrgConfig config = ConfigValidator.validate(with(c -> at(c, "/accounts/1").put("alias", "example-prod-7")));

        assertThat(config.aliasOf("prod")).isEqualTo("example-prod-7");
        assertThat(config.aliasOf("non-prod")).isEqualTo("example-non-prod");
    }

    @Test
    void validate_whenAManagementRoleWouldAdministerIam_namesTheManagementRole() {
        rejects(c -> at(c, "/roles/Billing").put("policy", "AdministratorAccess"))
                .hasMessageContaining("organization.managementRoles[0] 'Billing' has policy AdministratorAccess")
                .hasMessageContaining("billing only");
    }

    @Test
    void validate_whenARoleUsesAReservedPrefix_namesTheRole() {
        rejects(c -> at(c, "/roles").set("palisade-Admin", Json.MAPPER.createObjectNode().put("policy",
                "ReadOnlyAccess")))
                .hasMessageContaining("roles.palisade-Admin");
        rejects(c -> at(c, "/roles").set("cfn-palisade-x", Json.MAPPER.createObjectNode().put("policy",
                "ReadOnlyAccess")))
                .hasMessageContaining("roles.cfn-palisade-x");
    }

    // ---- guardrails -------------------------------------------------------------------------------

    private static void regions(ObjectNode c, String... regions) {
        ArrayNode list = c.putObject("guardrails").putArray("allowedRegions");
        for (String r : regions) {
            list.add(r);
        }
    }

    @Test
    void validate_whenGuardrailsAreAbsentOrSwitchedOff_acceptsIt() {
        assertThat(with(c -> {}).guardrailsOrDefaults().baselineProtected()).isTrue();
        OrgConfig off = ConfigValidator.validate(with(c -> c.putObject("guardrails").put("protectBaseline", false)));

        assertThat(off.guardrailsOrDefaults().baselineProtected()).isFalse();
        assertThat(off.guardrailsOrDefaults().leaveDenied()).isTrue();
    }

    @Test
    void validate_whenAllowedRegionsNameTheHomeRegionAndUsEast1_acceptsIt() {
        assertThatCode(() -> ConfigValidator.validate(with(c -> regions(c, "us-east-1", "eu-west-1"))))
                .doesNotThrowAnyException();
    }

    @Test
    void validate_whenAnAllowedRegionIsUnknownOrTwice_namesTheEntry() {
        rejects(c -> regions(c, "us-east-1", "mars-north-1"))
                .hasMessageContaining("guardrails.allowedRegions[1] 'mars-north-1' is not an AWS region");
        rejects(c -> regions(c, "us-east-1", "eu-west-1", "eu-west-1"))
                .hasMessageContaining("guardrails.allowedRegions[2] 'eu-west-1' is listed twice");
    }

    @Test
    void validate_whenAllowedRegionsLeaveOutWherePalisadeWorks_namesTheField() {
        rejects(c -> {
            at(c, "/organization").put("region", "eu-west-1");
            regions(c, "us-east-1");
        }).hasMessageContaining("guardrails.allowedRegions must include organization.region 'eu-west-1'");
        rejects(c -> {
            at(c, "/organization").put("region", "eu-west-1");
            regions(c, "eu-west-1");
        }).hasMessageContaining("guardrails.allowedRegions must include us-east-1");
    }

    @Test
    void validate_whenRootAccessHasNoDeleteFlag_namesTheField() {
        rejects(c -> c.putObject("rootAccess")).hasMessageContaining("rootAccess.deleteMemberRootCredentials is required");
    }

    @Test
    void deleteMemberRootCredentials_isFalseUnlessTheConfigSaysTrue() {
        assertThat(ConfigValidator.validate(with(c -> {})).deleteMemberRootCredentials()).isFalse();
        assertThat(ConfigValidator.validate(with(c -> c.putObject("rootAccess")
                .put("deleteMemberRootCredentials", false))).deleteMemberRootCredentials()).isFalse();
        assertThat(ConfigValidator.validate(with(c -> c.putObject("rootAccess")
                .put("deleteMemberRootCredentials", true))).deleteMemberRootCredentials()).isTrue();
    }
}
