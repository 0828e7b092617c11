package io.palisade.common.errors;

import java.util.Map;
import java.util.Set;

/**
 * Maps each documented {@code CreateAccountStatus.FailureReason} to a named error with a
 * plain-language message. Only the transient reasons are retried (by creating again).
 */
public final class AccountFailures {
    private static final Set<String> TRANSIENT = Set.of("CONCURRENT_ACCOUNT_MODIFICATION", "INTERNAL_FAILURE");

    private static final Map<String, String> MEANING = Map.ofEntries(
            Map.entry("ACCOUNT_LIMIT_EXCEEDED",
                    "the organization has reached its account quota; ask AWS Support to raise it"),
            Map.entry("EMAIL_ALREADY_EXISTS",
                    "the email is already used by another AWS account; give this account its own email"),
            Map.entry("INVALID_ADDRESS", "the management account's address is not valid; fix it in Billing"),
            Map.entry("INVALID_EMAIL", "the email address is not valid"),
            Map.entry("CONCURRENT_ACCOUNT_MODIFICATION", "another account operation was in progress"),
            Map.entry("INTERNAL_FAILURE", "AWS Organizations had an internal failure"),
            Map.entry("GOVCLOUD_ACCOUNT_ALREADY_EXISTS", "a GovCloud account already exists for this account"),
            Map.entry("MISSING_BUSINESS_VALIDATION", "the management account has not finished business validation"),
            Map.entry("FAILED_BUSINESS_VALIDATION", "the management account failed business validation"),
            Map.entry("PENDING_BUSINESS_VALIDATION", "the management account's business validation is still pending"),
            Map.entry("INVALID_IDENTITY_FOR_BUSINESS_VALIDATION",
                    "the management account's identity could not be validated"),
            Map.entry("UNKNOWN_BUSINESS_VALIDATION", "the management account has an unknown business validation issue"),
            Map.entry("MISSING_PAYMENT_INSTRUMENT", "the management account has no valid payment method"),
            Map.entry("INVALID_PAYMENT_INSTRUMENT", "the management account's payment method is not valid"),
            Map.entry("UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED",
                    "tags on an existing resource policy cannot be updated"));

    private AccountFailures() {}

    public static boolean isTransient(String reason) {
        return reason != null && TRANSIENT.contains(reason);
    }

    public static String meaning(String reason) {
        return reason == null ? "AWS gave no reason" : MEANING.getOrDefault(reason, "AWS gave an undocumented reason");
    }

    /** The named error for a FAILED creation of the account {@code key}. */
    public static PalisadeException of(String key, String reason) {
        String message = "Creating account '" + key + "' failed: " + reason + " (" + meaning(reason) + ")";
        if (reason == null) {
            return new AccountCreationRejectedException(message);
        }
        return switch (reason) {
            case "EMAIL_ALREADY_EXISTS" -> new AccountEmailAlreadyExistsException(message);
            case "ACCOUNT_LIMIT_EXCEEDED" -> new AccountLimitExceededException(message);
            case "CONCURRENT_ACCOUNT_MODIFICATION", "INTERNAL_FAILURE" -> new AccountCreationTransientException(message);
            default -> new AccountCreationRejectedException(message);
        };
    }
}
