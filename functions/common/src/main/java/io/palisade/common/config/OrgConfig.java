package io.palisade.common.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The organization Palisade builds, as reviewed by humans in {@code config/organization.yaml}.
 * Validate with {@link ConfigValidator} before any AWS call.
 */
public record OrgConfig(
        Organization organization,
        String identityAccount,
        List<Account> accounts,
        Map<String, RoleDef> roles,
        List<Group> groups,
        List<User> users,
        PasswordPolicy passwordPolicy,
        Alerts alerts,
        // guardrails (issue 10 part C): optional, every guardrail on when absent
        Guardrails guardrails,
        // centralized root access (issue 10 item 5): optional, report only when absent
        RootAccess rootAccess,
        // AWS Config recording in every account (issue 10, CIS 7.0 4.3): on unless false
        Boolean configRecorder,
        // what the trails record (issue 10, CIS 3.8/3.9): optional, S3 data events on when absent
        CloudTrail cloudTrail,
        // Security Hub CSPM administered from the identity account (issue 10): on unless false
        Boolean securityHub) {

    /** A config without {@code configRecorder}, {@code cloudTrail} or {@code securityHub}: their defaults. */
    public OrgConfig(Organization organization, String identityAccount, List<Account> accounts,
                     Map<String, RoleDef> roles, List<Group> groups, List<User> users,
                     PasswordPolicy passwordPolicy, Alerts alerts, Guardrails guardrails, RootAccess rootAccess) {
        this(organization, identityAccount, accounts, roles, groups, users, passwordPolicy, alerts, guardrails,
                rootAccess, null, null, null);
    }

    /** A config without {@code cloudTrail}: S3 object-level events recorded. */
    public OrgConfig(Organization organization, String identityAccount, List<Account> accounts,
                     Map<String, RoleDef> roles, List<Group> groups, List<User> users,
                     PasswordPolicy passwordPolicy, Alerts alerts, Guardrails guardrails, RootAccess rootAccess,
                     Boolean configRecorder) {
        this(organization, identityAccount, accounts, roles, groups, users, passwordPolicy, alerts, guardrails,
                rootAccess, configRecorder, null, null);
    }

    /** A config without {@code guardrails} or {@code rootAccess}: their defaults. */
    public OrgConfig(Organization organization, String identityAccount, List<Account> accounts,
                     Map<String, RoleDef> roles, List<Group> groups, List<User> users,
                     PasswordPolicy passwordPolicy, Alerts alerts) {
        this(organization, identityAccount, accounts, roles, groups, users, passwordPolicy, alerts, null, null, null,
                null, null);
    }

    /** A config without {@code rootAccess}: report member root credentials, delete none. */
    public OrgConfig(Organization organization, String identityAccount, List<Account> accounts,
                     Map<String, RoleDef> roles, List<Group> groups, List<User> users,
                     PasswordPolicy passwordPolicy, Alerts alerts, Guardrails guardrails) {
        this(organization, identityAccount, accounts, roles, groups, users, passwordPolicy, alerts, guardrails, null,
                null, null, null);
    }

    /** The reserved key that names the management (payer) account in group grants. */
    public static final String MANAGEMENT = "management";

    /**
     * @param maxAccountCreationsInFlight how many CreateAccount requests may be IN_PROGRESS at
     *     once (default {@link #DEFAULT_CREATIONS_IN_FLIGHT}); the rest wait their turn
     */
    public record Organization(String name, String region, List<String> managementRoles,
                               Integer maxAccountCreationsInFlight) {
        public Organization(String name, String region, List<String> managementRoles) {
            this(name, region, managementRoles, null);
        }

        public int creationsInFlight() {
            return maxAccountCreationsInFlight == null ? DEFAULT_CREATIONS_IN_FLIGHT : maxAccountCreationsInFlight;
        }
    }

    /**
     * Organizations processes account creations asynchronously and answers bursts with
     * {@code TooManyRequestsException}/{@code ConcurrentModificationException}; a few at a time
     * keeps a 300-account bootstrap well inside that, and the limit is configurable.
     */
    public static final int DEFAULT_CREATIONS_IN_FLIGHT = 5;
    public static final int MAX_CREATIONS_IN_FLIGHT = 20;

    /**
     * @param alias optional: the account alias when {@code <organization.name>-<key>} is taken
     *              (aliases are unique across all of AWS); {@code null} for the default
     */
    public record Account(String key, String name, String email, List<String> roles, String alias) {
        public Account(String key, String name, String email, List<String> roles) {
            this(key, name, email, roles, null);
        }
    }

    public record RoleDef(String policy, String description) {}

    public record Grant(String account, String role) {}

    public record Group(String name, List<Grant> assume) {}

    public record User(String name, List<String> groups) {}

    public record PasswordPolicy(
            Integer minimumLength,
            Boolean requireUppercase,
            Boolean requireLowercase,
            Boolean requireNumbers,
            Boolean requireSymbols,
            Integer reusePrevention,
            Integer maxAgeDays,
            Boolean allowUsersToChange) {}

    public record Alerts(List<String> emails) {}

    /**
     * Organizations policies Palisade attaches at the organization's root. Each switch is on
     * unless set {@code false}; the region allow-list is off unless it names regions.
     *
     * @param denyLeaveOrganization SCP: no member account may leave the organization
     * @param protectBaseline       SCP: only Palisade's own roles may stop, delete or change its trails,
     *                              log groups, metric filters, alarms, topics, rules, buckets, keys and roles
     * @param denyRootUser          SCP: the root user of a member account can do nothing (AssumeRoot
     *                              sessions of the management account excepted)
     * @param dataPerimeter         RCP: Palisade's buckets refuse principals outside the organization
     * @param allowedRegions        SCP, optional: every other region is denied (global services exempt)
     */
    public record Guardrails(Boolean denyLeaveOrganization, Boolean protectBaseline, Boolean denyRootUser,
                             Boolean dataPerimeter, List<String> allowedRegions) {
        /** No section: every guardrail on, no region allow-list. */
        public static final Guardrails DEFAULTS = new Guardrails(null, null, null, null, null);

        public boolean leaveDenied() {
            return !Boolean.FALSE.equals(denyLeaveOrganization);
        }

        public boolean baselineProtected() {
            return !Boolean.FALSE.equals(protectBaseline);
        }

        public boolean rootDenied() {
            return !Boolean.FALSE.equals(denyRootUser);
        }

        public boolean perimeter() {
            return !Boolean.FALSE.equals(dataPerimeter);
        }

        /** The allowed regions, empty when there is no allow-list. */
        public List<String> regions() {
            return allowedRegions == null ? List.of() : allowedRegions;
        }
    }

    /** The config's guardrails, {@link Guardrails#DEFAULTS} when it has no section. */
    public Guardrails guardrailsOrDefaults() {
        return guardrails == null ? Guardrails.DEFAULTS : guardrails;
    }

    /**
     * Centralized root access (the organization's root credentials management and root sessions
     * are always enabled; member accounts' root credentials are always reported).
     *
     * @param deleteMemberRootCredentials delete every member account's root password, access
     *     keys, MFA devices and signing certificates (sts:AssumeRoot with IAMDeleteRootUserCredentials);
     *     default false: report them only
     */
    public record RootAccess(Boolean deleteMemberRootCredentials) {}

    /**
     * @param s3DataEvents record every bucket's S3 object-level reads and writes in each account's
     *     trail (CIS 3.8 and 3.9); charged per event delivered. Absent: true
     */
    public record CloudTrail(Boolean s3DataEvents) {}

    /** Whether the trails record S3 object-level events (on unless {@code cloudTrail.s3DataEvents: false}). */
    public boolean s3DataEvents() {
        return cloudTrail == null || !Boolean.FALSE.equals(cloudTrail.s3DataEvents());
    }

    /** Whether member accounts' root credentials are deleted, not only reported. */
    public boolean deleteMemberRootCredentials() {
        return rootAccess != null && Boolean.TRUE.equals(rootAccess.deleteMemberRootCredentials());
    }

    /**
     * Whether Palisade keeps an AWS Config recorder (all supported resource types, IAM's global
     * ones included) recording in every account's home region, delivering to the identity
     * account's config bucket. On unless {@code configRecorder: false}; off, Palisade neither
     * makes nor removes a recorder, and the guardrails do not protect one.
     */
    public boolean recordsConfig() {
        return !Boolean.FALSE.equals(configRecorder);
    }

    /**
     * Whether Palisade keeps AWS Security Hub CSPM on in every account, administered from the
     * identity account, with the CIS AWS Foundations Benchmark standard enabled: on unless
     * {@code securityHub: false}. Off, Palisade neither makes nor removes any of it.
     */
    public boolean securityHubEnabled() {
        return !Boolean.FALSE.equals(securityHub);
    }

    public Optional<Account> account(String key) {
        return accounts.stream().filter(a -> a.key().equals(key)).findFirst();
    }

    public Account identity() {
        return account(identityAccount).orElseThrow();
    }

    /** Role names that exist in the account with this key ({@link #MANAGEMENT} included). */
    public List<String> rolesIn(String key) {
        if (MANAGEMENT.equals(key)) {
            return organization == null || organization.managementRoles() == null ? List.of()
                    : organization.managementRoles();
        }
        return account(key).map(a -> a.roles() == null ? List.<String>of() : a.roles()).orElse(List.of());
    }

    /** Account alias: the account's {@code alias} if set, else as the seed named them, {@code <org>-<key>}. */
    public String aliasOf(String key) {
        return account(key).map(Account::alias).filter(a -> !a.isBlank())
                .orElse(organization.name() + "-" + key);
    }
}
