package io.palisade.common.state;

/**
 * One member account as the run knows it. {@code status} is the CreateAccount state
 * ({@code IN_PROGRESS}, {@code SUCCEEDED}, {@code FAILED}) or {@code EXISTING} for an
 * account found by its email, {@code INVITED} for one that joined by invitation.
 * {@code usable} is set once AwaitAccounts has proved its access role works, so that a later poll
 * of the same run does not look again (null: not looked at, or not usable yet).
 */
public record AccountRef(
        String key,
        String name,
        String email,
        String id,
        String requestId,
        String status,
        String failureReason,
        Integer attempts,
        Boolean usable) {

    public AccountRef(String key, String name, String email, String id, String requestId, String status,
                      String failureReason, Integer attempts) {
        this(key, name, email, id, requestId, status, failureReason, attempts, null);
    }

    /** Status of an account that joined by invitation: it has no access role unless someone added one. */
    public static final String INVITED = "INVITED";

    public boolean created() {
        return id != null && ("SUCCEEDED".equals(status) || "EXISTING".equals(status) || INVITED.equals(status));
    }

    public AccountRef withRequest(String newRequestId, String newStatus, int attempt) {
        return new AccountRef(key, name, email, id, newRequestId, newStatus, null, attempt, null);
    }

    public AccountRef withStatus(String newStatus, String newId, String reason) {
        return new AccountRef(key, name, email, newId, requestId, newStatus, reason, attempts, usable);
    }

    /** This account with its access role proved to work. */
    public AccountRef asUsable() {
        return new AccountRef(key, name, email, id, requestId, status, failureReason, attempts, true);
    }

    public boolean provedUsable() {
        return Boolean.TRUE.equals(usable);
    }
}
