package io.palisade.common.config;

import io.palisade.common.Names;
import io.palisade.common.errors.InvalidConfigException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a config completely before anything touches AWS. Every problem is reported
 * with the path of the field it is about ({@code accounts[1].email}); all problems are
 * collected so a reviewer fixes them in one pass.
 */
public final class ConfigValidator {
    /** Up to 29: the longest bucket name, {@code <org>-palisade-access-logs-<12-digit id>}, must fit in 63. */
    private static final Pattern ORG_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{1,28}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d");
    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9-]{0,19}");
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+\\-]+@[A-Za-z0-9.\\-]+\\.[A-Za-z]{2,}");
    private static final Pattern IAM_NAME = Pattern.compile("[A-Za-z0-9+=,.@_\\-]{1,64}");
    private static final Pattern POLICY = Pattern.compile("[A-Za-z0-9+=,.@_\\-/]{1,128}");
    private static final String PGP_HEADER = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
    /** IAM's account-alias pattern: 3-63 characters, no leading, trailing or doubled '-'. */
    /** AWS managed policies that administer IAM or the organization: never on a management-account role. */
    static final Set<String> ADMIN_POLICIES = Set.of("AdministratorAccess", "IAMFullAccess",
            "AWSOrganizationsFullAccess", "service-role/AWSControlTowerServiceRolePolicy");
    private static final Pattern ALIAS = Pattern.compile("[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]");
    /** Every region the SDK knows, without the partitions' global pseudo-regions. */
    private static final Set<String> REGIONS = software.amazon.awssdk.regions.Region.regions().stream()
            .map(software.amazon.awssdk.regions.Region::id)
            .filter(id -> !id.endsWith("-global") && !"aws-global".equals(id))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    private final List<String> problems = new ArrayList<>();

    private ConfigValidator() {}

    /** Throws {@link InvalidConfigException} naming every invalid field; returns the config otherwise. */
    public static OrgConfig validate(OrgConfig config) {
        ConfigValidator v = new ConfigValidator();
        v.check(config);
        v.throwIfAny("config");
        return config;
    }

    /** Validates the optional one-time-login request against an already valid config. */
    public static void validateLogin(OneTimeLoginRequest login, OrgConfig config) {
        if (login == null) {
            return;
        }
        ConfigValidator v = new ConfigValidator();
        if (blank(login.user())) {
            v.problem("oneTimeLogin.user", "is required");
        } else if (config.users() == null || config.users().stream().noneMatch(u -> login.user().equals(u.name()))) {
            v.problem("oneTimeLogin.user", "'" + login.user() + "' is not a user in the config");
        }
        if (blank(login.publicKey())) {
            v.problem("oneTimeLogin.publicKey", "is required (an ASCII-armored OpenPGP public key)");
        } else if (!login.publicKey().contains(PGP_HEADER)) {
            v.problem("oneTimeLogin.publicKey", "is not ASCII-armored: expected a line '" + PGP_HEADER + "'");
        }
        v.throwIfAny("input");
    }

    /**
     * The run's mode: {@code bootstrap} (also when {@code null}), {@code plan} or {@code drift}.
     * An unknown one must never fall through to a write.
     */
    public static void validateMode(String mode) {
        if (mode != null && !io.palisade.common.state.RunState.MODES.contains(mode)) {
            throw new InvalidConfigException("Invalid input: mode '" + mode + "' must be one of "
                    + String.join(", ", io.palisade.common.state.RunState.MODES));
        }
    }

    private void throwIfAny(String what) {
        if (!problems.isEmpty()) {
            throw new InvalidConfigException("Invalid " + what + ": " + String.join("; ", problems));
        }
    }

    private void problem(String field, String message) {
        problems.add(field + " " + message);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private void check(OrgConfig c) {
        if (c == null) {
            problem("config", "is empty");
            return;
        }
        Set<String> roleNames = checkRoles(c.roles());
        checkOrganization(c.organization(), roleNames, c.roles());
        Set<String> keys = checkAccounts(c, roleNames);
        if (blank(c.identityAccount())) {
            problem("identityAccount", "is required: the key of the account that holds users and logs");
        } else if (!keys.contains(c.identityAccount())) {
            problem("identityAccount", "'" + c.identityAccount() + "' is not the key of a configured account");
        }
        Set<String> groupNames = checkGroups(c, keys);
        checkUsers(c.users(), groupNames);
        checkPasswordPolicy(c.passwordPolicy());
        checkAlerts(c.alerts());
        checkGuardrails(c);
        checkRootAccess(c.rootAccess());
    }

    private Set<String> checkRoles(Map<String, OrgConfig.RoleDef> roles) {
        Set<String> names = new HashSet<>();
        if (roles == null || roles.isEmpty()) {
            problem("roles", "must define at least one role");
            return names;
        }
        roles.forEach((name, def) -> {
            String f = "roles." + name;
            if (!IAM_NAME.matcher(name).matches()) {
                problem(f, "is not a valid IAM role name");
            } else if (ReservedNames.reservedRole(name)) {
                problem(f, "'" + name + "' is a role Palisade makes and manages itself: choose another name");
            }
            if (def == null || blank(def.policy())) {
                problem(f + ".policy", "is required (an AWS managed policy name, e.g. AdministratorAccess)");
            } else if (!POLICY.matcher(def.policy()).matches()) {
                problem(f + ".policy", "'" + def.policy() + "' is not a managed policy name");
            }
            names.add(name);
        });
        return names;
    }

    private void checkOrganization(OrgConfig.Organization org, Set<String> roleNames,
                                   Map<String, OrgConfig.RoleDef> roles) {
        if (org == null) {
            problem("organization", "is required");
            return;
        }
        if (blank(org.name()) || !ORG_NAME.matcher(org.name()).matches()) {
            problem("organization.name",
                    "must be 2-29 lowercase letters, digits or '-' (it prefixes account aliases and bucket names)");
        }
        if (blank(org.region()) || !REGION.matcher(org.region()).matches()) {
            problem("organization.region", "must be an AWS region such as us-east-1");
        } else if (!REGIONS.contains(org.region())) {
            problem("organization.region", "'" + org.region() + "' is not an AWS region");
        }
        if (!blank(org.name()) && ORG_NAME.matcher(org.name()).matches()
                && (org.name().endsWith("-") || org.name().contains("--"))) {
            problem("organization.name", "must not end with '-' or contain '--': it starts every account alias, "
                    + "which AWS refuses with either");
        }
        Integer inFlight = org.maxAccountCreationsInFlight();
        if (inFlight != null && (inFlight < 1 || inFlight > OrgConfig.MAX_CREATIONS_IN_FLIGHT)) {
            problem("organization.maxAccountCreationsInFlight",
                    "must be between 1 and " + OrgConfig.MAX_CREATIONS_IN_FLIGHT);
        }
        List<String> mr = org.managementRoles() == null ? List.of() : org.managementRoles();
        for (int i = 0; i < mr.size(); i++) {
            if (!roleNames.contains(mr.get(i))) {
                problem("organization.managementRoles[" + i + "]", "'" + mr.get(i) + "' is not defined under roles");
            } else if (roles != null && roles.get(mr.get(i)) != null
                    && ADMIN_POLICIES.contains(roles.get(mr.get(i)).policy())) {
                problem("organization.managementRoles[" + i + "]", "'" + mr.get(i) + "' has policy "
                        + roles.get(mr.get(i)).policy() + ": the management account is billing only, and "
                        + "Palisade's roles may not attach a policy that administers IAM or the organization there");
            }
        }
    }

    private Set<String> checkAccounts(OrgConfig c, Set<String> roleNames) {
        Set<String> keys = new HashSet<>();
        Set<String> emails = new HashSet<>();
        if (c.accounts() == null || c.accounts().isEmpty()) {
            problem("accounts", "must list at least one member account");
            return keys;
        }
        for (int i = 0; i < c.accounts().size(); i++) {
            OrgConfig.Account a = c.accounts().get(i);
            String f = "accounts[" + i + "]";
            if (a == null) {
                problem(f, "is empty");
                continue;
            }
            if (blank(a.key()) || !KEY.matcher(a.key()).matches()) {
                problem(f + ".key", "must be 1-20 lowercase letters, digits or '-'");
            } else if (c.organization() != null && !blank(c.organization().name())
                    && ORG_NAME.matcher(c.organization().name()).matches()
                    && !c.organization().name().endsWith("-") && !c.organization().name().contains("--")
                    && a.alias() == null && !ALIAS.matcher(c.aliasOf(a.key())).matches()) {
                problem(f + ".key", "'" + a.key() + "' makes the account alias '" + c.aliasOf(a.key())
                        + "', which AWS refuses: no trailing '-' and no '--'");
            } else if (OrgConfig.MANAGEMENT.equals(a.key())) {
                problem(f + ".key", "'management' is reserved for the management account");
            } else if (!keys.add(a.key())) {
                problem(f + ".key", "'" + a.key() + "' is used by another account");
            }
            if (a.alias() != null && !ALIAS.matcher(a.alias()).matches()) {
                problem(f + ".alias", "'" + a.alias() + "' is not an account alias AWS accepts: 3-63 lowercase "
                        + "letters, digits or '-', starting and ending with a letter or digit, no '--'");
            }
            if (blank(a.name()) || a.name().length() > 50) {
                problem(f + ".name", "is required (1-50 characters)");
            }
            if (blank(a.email()) || !EMAIL.matcher(a.email()).matches() || a.email().length() > 64) {
                problem(f + ".email", "must be a valid email address of at most 64 characters");
            } else if (!emails.add(a.email().toLowerCase(Locale.ROOT))) {
                problem(f + ".email", "'" + a.email() + "' is used by another account: every account needs its own email");
            }
            List<String> roles = a.roles() == null ? List.of() : a.roles();
            for (int r = 0; r < roles.size(); r++) {
                if (!roleNames.contains(roles.get(r))) {
                    problem(f + ".roles[" + r + "]", "'" + roles.get(r) + "' is not defined under roles");
                }
            }
        }
        return keys;
    }

    private Set<String> checkGroups(OrgConfig c, Set<String> keys) {
        Set<String> names = new HashSet<>();
        if (c.groups() == null) {
            return names;
        }
        for (int i = 0; i < c.groups().size(); i++) {
            OrgConfig.Group g = c.groups().get(i);
            String f = "groups[" + i + "]";
            if (g == null || blank(g.name()) || !IAM_NAME.matcher(g.name()).matches()) {
                problem(f + ".name", "must be a valid IAM group name");
                continue;
            }
            if (ReservedNames.GROUPS.contains(g.name())) {
                problem(f + ".name", "'" + g.name() + "' is the group Palisade puts every user in: choose another name");
            } else if (!names.add(g.name())) {
                problem(f + ".name", "'" + g.name() + "' is defined twice");
            }
            List<OrgConfig.Grant> grants = g.assume() == null ? List.of() : g.assume();
            if (grants.isEmpty()) {
                problem(f + ".assume", "must name at least one account role");
            }
            for (int k = 0; k < grants.size(); k++) {
                OrgConfig.Grant gr = grants.get(k);
                String gf = f + ".assume[" + k + "]";
                if (gr == null || blank(gr.account())) {
                    problem(gf + ".account", "is required");
                    continue;
                }
                if (!OrgConfig.MANAGEMENT.equals(gr.account()) && !keys.contains(gr.account())) {
                    problem(gf + ".account", "'" + gr.account() + "' is not a configured account key or 'management'");
                } else if (blank(gr.role()) || !c.rolesIn(gr.account()).contains(gr.role())) {
                    problem(gf + ".role", "'" + gr.role() + "' is not a role of account '" + gr.account() + "'");
                }
            }
        }
        return names;
    }

    private void checkUsers(List<OrgConfig.User> users, Set<String> groupNames) {
        if (users == null) {
            return;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < users.size(); i++) {
            OrgConfig.User u = users.get(i);
            String f = "users[" + i + "]";
            if (u == null || blank(u.name()) || !IAM_NAME.matcher(u.name()).matches()) {
                problem(f + ".name", "must be a valid IAM user name");
                continue;
            }
            if (ReservedNames.USERS.contains(u.name())) {
                problem(f + ".name", "'" + u.name() + "' is Palisade's temporary bootstrap user, deleted at the end "
                        + "of every run: choose another name");
            } else if (!names.add(u.name())) {
                problem(f + ".name", "'" + u.name() + "' is defined twice");
            }
            List<String> gs = u.groups() == null ? List.of() : u.groups();
            for (int k = 0; k < gs.size(); k++) {
                if (!groupNames.contains(gs.get(k))) {
                    problem(f + ".groups[" + k + "]", "'" + gs.get(k) + "' is not a configured group");
                }
            }
        }
    }

    private void checkPasswordPolicy(OrgConfig.PasswordPolicy p) {
        if (p == null) {
            problem("passwordPolicy", "is required");
            return;
        }
        if (p.minimumLength() == null || p.minimumLength() < 14 || p.minimumLength() > 128) {
            problem("passwordPolicy.minimumLength", "must be 14-128 (CIS 1.8 requires at least 14)");
        }
        if (p.reusePrevention() == null || p.reusePrevention() < 24 || p.reusePrevention() > 24) {
            problem("passwordPolicy.reusePrevention", "must be 24 (CIS 1.9)");
        }
        if (p.maxAgeDays() != null && (p.maxAgeDays() < 1 || p.maxAgeDays() > 1095)) {
            problem("passwordPolicy.maxAgeDays", "must be 1-1095 when set");
        }
        Map<String, Boolean> classes = new java.util.LinkedHashMap<>();
        classes.put("requireUppercase", p.requireUppercase());
        classes.put("requireLowercase", p.requireLowercase());
        classes.put("requireNumbers", p.requireNumbers());
        classes.put("requireSymbols", p.requireSymbols());
        for (var e : classes.entrySet()) {
            if (!Boolean.TRUE.equals(e.getValue())) {
                problem("passwordPolicy." + e.getKey(), "must be true (every character class is required)");
            }
        }
    }

    // ---- guardrails (issue 10 part C) ------------------------------------------------------------

    /**
     * The region allow-list names real regions, once each, and keeps the regions Palisade itself
     * works in; every policy the config makes fits AWS's size limit (checked here, before any
     * call, rather than refused by CreatePolicy halfway through a run).
     */
    private void checkGuardrails(OrgConfig c) {
        OrgConfig.Guardrails g = c.guardrailsOrDefaults();
        List<String> regions = g.regions();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < regions.size(); i++) {
            String r = regions.get(i);
            String f = "guardrails.allowedRegions[" + i + "]";
            if (blank(r) || !REGIONS.contains(r)) {
                problem(f, "'" + r + "' is not an AWS region");
            } else if (!seen.add(r)) {
                problem(f, "'" + r + "' is listed twice");
            }
        }
        OrgConfig.Organization org = c.organization();
        boolean orgValid = org != null && !blank(org.name()) && ORG_NAME.matcher(org.name()).matches()
                && !blank(org.region()) && REGIONS.contains(org.region());
        if (!regions.isEmpty() && orgValid) {
            if (!regions.contains(org.region())) {
                problem("guardrails.allowedRegions", "must include organization.region '" + org.region()
                        + "': Palisade's trails, alarms and buckets are there");
            }
            if ("aws".equals(partitionOf(org.region())) && !regions.contains("us-east-1")) {
                problem("guardrails.allowedRegions", "must include us-east-1: CloudTrail records root console "
                        + "sign-ins there, and Palisade's root sign-in rule watches them there");
            }
        }
        if (!orgValid) {
            return;
        }
        problems.addAll(io.palisade.common.guardrails.GuardrailPolicies.sizeProblems(
                io.palisade.common.guardrails.GuardrailPolicies.of(c, partitionOf(org.region()), null)));
    }

    private static String partitionOf(String region) {
        var metadata = software.amazon.awssdk.regions.Region.of(region).metadata();
        return metadata == null ? "aws" : metadata.partition().id();
    }

    private void checkRootAccess(OrgConfig.RootAccess rootAccess) {
        if (rootAccess != null && rootAccess.deleteMemberRootCredentials() == null) {
            problem("rootAccess.deleteMemberRootCredentials", "is required when rootAccess is given (true or false)");
        }
    }

    private void checkAlerts(OrgConfig.Alerts alerts) {
        if (alerts == null || alerts.emails() == null) {
            return;
        }
        for (int i = 0; i < alerts.emails().size(); i++) {
            String e = alerts.emails().get(i);
            if (blank(e) || !EMAIL.matcher(e).matches()) {
                problem("alerts.emails[" + i + "]", "'" + e + "' is not a valid email address");
            }
        }
    }
}
