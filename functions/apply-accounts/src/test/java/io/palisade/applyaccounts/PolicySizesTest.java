package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.aws.PolicyLimits.Kind;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.PolicyTooLargeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Issue #7: every policy apply-accounts writes stays within the size AWS accepts for it when the
 * organization has 300 member accounts, and still says what it said with 3.
 */
class PolicySizesTest {
    private static final String PARTITION = "aws";
    private static final String REGION = "eu-west-1";
    private static final String ORG = "o-a1b2c3d4e5";
    private static final String TRAIL = Names.TRAIL;

    /** Realistic, distinct 12-digit account ids; the first is the identity account. */
    static List<String> accountIds(int n) {
        return IntStream.range(0, n).mapToObj(i -> String.format("%012d", 483_920_175_013L + i * 7_919_003L)).toList();
    }

    private static int report(String name, int accounts, Kind kind, Object document) {
        int size = PolicyLimits.require(kind, name, document);
        System.out.printf("policy-size accounts=%d %-40s %6d / %6d %s%n", accounts, name, size, kind.limit(),
                kind.unit());
        return size;
    }

    /** The group grants of a large organization: role ARNs as Directory builds them from the config. */
    static Map<String, List<String>> groups(List<String> ids) {
        Function<String, String> admin = id -> "arn:aws:iam::" + id + ":role/Administrator";
        Function<String, String> dev = id -> "arn:aws:iam::" + id + ":role/Developer";
        Function<String, String> read = id -> "arn:aws:iam::" + id + ":role/ReadOnly";
        int half = ids.size() / 2;
        Map<String, List<String>> groups = new LinkedHashMap<>();
        // every account, two roles
        List<String> everywhere = new ArrayList<>();
        ids.forEach(id -> everywhere.add(admin.apply(id)));
        ids.forEach(id -> everywhere.add(dev.apply(id)));
        groups.put("PlatformAdmins", everywhere);
        // every account read-only, and the management account's billing role
        List<String> auditors = new ArrayList<>(ids.stream().map(read).toList());
        auditors.add("arn:aws:iam::" + ids.get(ids.size() - 1) + ":role/Billing");
        groups.put("Auditors", auditors);
        // admins of one half, developers of the other
        List<String> split = new ArrayList<>();
        ids.subList(0, half).forEach(id -> split.add(admin.apply(id)));
        ids.subList(half, ids.size()).forEach(id -> split.add(dev.apply(id)));
        groups.put("SplitTeam", split);
        groups.put("ProdAdmins", List.of(admin.apply(ids.get(1))));
        return groups;
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 300})
    void everyPolicy_whenTheOrganizationHasThisManyAccounts_isWithinItsAwsLimit(int n) {
        List<String> ids = accountIds(n);
        String identity = ids.get(0);
        String bucket = Names.trailBucket("acme-corp", identity);

        int bucketPolicy = report("trail bucket policy", n, Kind.S3_BUCKET,
                PolicyDocuments.trailBucketPolicy(PARTITION, REGION, bucket, ids, TRAIL));
        report("trail key policy", n, Kind.KMS_KEY,
                PolicyDocuments.trailKeyPolicy(PARTITION, REGION, identity, ids, TRAIL));
        report("access-log bucket policy", n, Kind.S3_BUCKET, PolicyDocuments.accessLogBucketPolicy(PARTITION,
                Names.accessLogBucket("acme-corp", identity), ApplyAccounts.logSources(bucket,
                        Names.stateBucket("acme-corp", identity), Names.configBucket("acme-corp", identity)), identity));
        // three statements listing every account: about 45 bytes an account, 15 KB at 300
        int configPolicy = report("config bucket policy", n, Kind.S3_BUCKET,
                PolicyDocuments.configBucketPolicy(PARTITION, Names.configBucket("acme-corp", identity), ids));
        assertThat(configPolicy).isLessThan(Kind.S3_BUCKET.limit() * 8 / 10);
        report("role trust policy", n, Kind.IAM_ROLE_TRUST, PolicyDocuments.roleTrust(PARTITION, identity));
        report("group AllUsers (self-service)", n, Kind.IAM_GROUP_INLINE,
                PolicyDocuments.manageOwnCredentials(PARTITION));
        groups(ids).forEach((group, arns) ->
                report("group " + group + " (" + arns.size() + " role ARNs)", n, Kind.IAM_GROUP_INLINE,
                        PolicyDocuments.assumeRoles(arns)));

        // about 30 bytes an account: at 300 accounts still about half of S3's 20 KB
        assertThat(bucketPolicy).isLessThan(Kind.S3_BUCKET.limit() * 6 / 10);
    }

    @Test
    void trailBucketPolicy_growsByTheAccountIdsOnly() {
        String bucket = Names.trailBucket("acme-corp", accountIds(1).get(0));
        int at100 = PolicyLimits.size(Kind.S3_BUCKET,
                PolicyDocuments.trailBucketPolicy(PARTITION, REGION, bucket, accountIds(100), TRAIL));
        int at200 = PolicyLimits.size(Kind.S3_BUCKET,
                PolicyDocuments.trailBucketPolicy(PARTITION, REGION, bucket, accountIds(200), TRAIL));

        assertThat(at200 - at100).isEqualTo(100 * 2 * "\"123456789012\",".length());
    }

    @Test
    void trailKeyPolicy_at300Accounts_isFarBelowTheKmsLimitAndStillNamesEveryAccount() {
        List<String> ids = accountIds(300);

        JsonNode doc = Json.MAPPER.valueToTree(PolicyDocuments.trailKeyPolicy(PARTITION, REGION, ids.get(0), ids, TRAIL));

        assertThat(PolicyLimits.size(Kind.KMS_KEY, doc)).isLessThan(Kind.KMS_KEY.limit() / 4);
        assertThat(doc.at("/Statement/1/Condition/StringEquals/aws:SourceAccount")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrderElementsOf(ids);
    }

    /** Whether a group document allows sts:AssumeRole on this role ARN, reading it as IAM would. */
    static boolean allows(JsonNode doc, String roleArn) {
        String[] parts = roleArn.split(":", 6);
        for (JsonNode s : doc.path("Statement")) {
            if (!"Allow".equals(s.path("Effect").asText()) || !"sts:AssumeRole".equals(s.path("Action").asText())) {
                continue;
            }
            JsonNode accounts = s.at("/Condition/StringEquals/aws:ResourceAccount");
            assertThat(s.path("Condition").size()).isLessThanOrEqualTo(1);
            for (JsonNode r : s.path("Resource")) {
                String resource = r.asText();
                boolean matches = resource.equals(roleArn) || (resource.contains(":iam::*:")
                        && resource.replace(":iam::*:", ":iam::" + parts[4] + ":").equals(roleArn));
                boolean inAccounts = accounts.isMissingNode()
                        || java.util.stream.StreamSupport.stream(accounts.spliterator(), false)
                                .anyMatch(a -> a.asText().equals(parts[4]));
                if (matches && inAccounts) {
                    return true;
                }
            }
        }
        return false;
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 300})
    void groupPolicies_whenCompacted_allowExactlyTheConfiguredRolesAndNoOthers(int n) {
        List<String> ids = accountIds(n);
        List<String> outsiders = List.of("000000000001", "999999999999");
        List<String> roles = List.of("Administrator", "Developer", "ReadOnly", "Billing", "PalisadeBootstrap");

        groups(ids).forEach((group, arns) -> {
            JsonNode doc = Json.MAPPER.valueToTree(PolicyDocuments.assumeRoles(arns));
            for (String account : concat(ids, outsiders)) {
                for (String role : roles) {
                    String arn = "arn:aws:iam::" + account + ":role/" + role;
                    assertThat(allows(doc, arn)).as(group + " allows " + arn).isEqualTo(arns.contains(arn));
                }
            }
        });
    }

    @Test
    void directory_whenAGroupNamesTooManyAccounts_failsBeforeAnyIamCall() {
        List<String> ids = accountIds(400);
        List<OrgConfig.Grant> grants = new ArrayList<>();
        Map<String, String> idOf = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            idOf.put("a" + i, ids.get(i));
            grants.add(new OrgConfig.Grant("a" + i, "Administrator"));
        }
        OrgConfig config = new OrgConfig(null, "a0", List.of(), Map.of(),
                List.of(new OrgConfig.Group("Everyone", grants)), List.of(), null, null);

        // no IamClient: any IAM call would fail with a NullPointerException instead
        assertThatThrownBy(() -> new Directory(null, PARTITION, null).plan(config, idOf::get))
                .isInstanceOf(PolicyTooLargeException.class)
                .hasMessageContaining("groups.Everyone")
                .hasMessageContaining("5120");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
