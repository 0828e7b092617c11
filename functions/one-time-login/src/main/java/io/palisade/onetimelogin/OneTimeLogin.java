package io.palisade.onetimelogin;

import io.palisade.common.state.LoginResult;

import io.palisade.common.errors.PrerequisiteMissingException;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.OneTimeLoginRequest;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.RunState;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.LoginProfile;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * Gives one configured user a console password in the identity (InfoSec) account, as the seed's
 * {@code aws_iam_user_login_profile} with a PGP key did: a random password that must be changed at
 * first sign-in, returned only encrypted to the user's OpenPGP public key. A run always replaces an
 * existing login profile (the seed's {@code terraform taint}), so the phase is the way to reset a
 * forgotten password.
 *
 * <p>The plaintext password lives only in a local {@code char[]} (wiped before returning) and the
 * request object the SDK sends (whose {@code toString} redacts it); it is never logged or returned.
 */
public final class OneTimeLogin {
    private static final Logger LOG = LoggerFactory.getLogger(OneTimeLogin.class);

    private final Clients clients;
    private final Function<RunState, AwsCredentialsProvider> identityCredentials;

    /**
     * @param identityCredentials credentials able to manage IAM users in the run's identity account
     */
    public OneTimeLogin(Clients clients, Function<RunState, AwsCredentialsProvider> identityCredentials) {
        this.clients = clients;
        this.identityCredentials = identityCredentials;
    }

    public LoginResult apply(RunState input) {
        clients.calls().drain();
        OneTimeLoginRequest request = input.oneTimeLogin();
        if (request == null) {
            LOG.info("No one-time login requested");
            return LoginResult.skip();
        }
        // fail on a bad key before anything changes in IAM
        OpenPgpRecipient recipient = OpenPgpRecipient.parse(request.publicKey());
        OrgConfig config = input.config();
        String identityAccount = input.org().identity().accountId();
        String user = request.user();
        AwsCredentialsProvider credentials = identityCredentials.apply(input);
        IamClient iam = clients.cached("iam|" + identityAccount, credentials,
                () -> clients.build(IamClient.builder(), credentials));

        requireUser(iam, user, identityAccount);
        // a new generator per password, never one made at init: with SnapStart every execution
        // environment resumes from one snapshot, and a generator in it would be shared by all of
        // them (AWS Lambda Developer Guide, "Handling uniqueness with Lambda SnapStart")
        SecureRandom random = new SecureRandom();
        char[] password = new PasswordGenerator(random).generate(config.passwordPolicy());
        byte[] plaintext = new byte[password.length];
        try {
            replaceLoginProfile(iam, user, password);
            for (int i = 0; i < password.length; i++) {
                plaintext[i] = (byte) password[i]; // the alphabet is ASCII
            }
            String encrypted = recipient.encrypt(plaintext, random);
            LOG.info("Console password of {} in {} reset (change required at sign-in), encrypted to key {}",
                    user, identityAccount, recipient.fingerprint());
            return new LoginResult(false, user, recipient.fingerprint(), encrypted,
                    signInUrl(config.aliasOf(config.identityAccount())), clients.calls().drain());
        } finally {
            Arrays.fill(password, '\0');
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    static String signInUrl(String alias) {
        return "https://" + alias + ".signin.aws.amazon.com/console";
    }

    private static void requireUser(IamClient iam, String user, String account) {
        try {
            iam.getUser(r -> r.userName(user));
        } catch (NoSuchEntityException e) {
            throw new PrerequisiteMissingException("IAM user '" + user + "' does not exist in the identity account "
                    + account + ": the apply-accounts phase creates the configured users; run it first", e);
        }
    }

    /** Deletes any login profile, creates one with this password, reset required at first sign-in. */
    private static void replaceLoginProfile(IamClient iam, String user, char[] password) {
        if (loginProfile(iam, user) != null) {
            iam.deleteLoginProfile(r -> r.userName(user));
        }
        LoginProfile created = iam.createLoginProfile(r -> r.userName(user)
                .password(new String(password))
                .passwordResetRequired(true)).loginProfile();
        if (!Boolean.TRUE.equals(created.passwordResetRequired())) {
            // some implementations (moto) ignore the flag on create; updating without Password
            // would remove the profile there, so the same password goes with it
            iam.updateLoginProfile(r -> r.userName(user)
                    .password(new String(password))
                    .passwordResetRequired(true));
        }
    }

    private static LoginProfile loginProfile(IamClient iam, String user) {
        try {
            return iam.getLoginProfile(r -> r.userName(user)).loginProfile();
        } catch (NoSuchEntityException e) {
            return null;
        }
    }
}
