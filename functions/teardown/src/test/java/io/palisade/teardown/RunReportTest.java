package io.palisade.teardown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.TestContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import io.palisade.common.errors.TransientAwsException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.function.Function;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.core.ResponseBytes;
import io.palisade.common.state.RunStore;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.regions.Region;

class RunReportTest {
    private static final String LOCATION = "s3://example-palisade-state-222222222222/reports/r1.md";

    private static RunReport.Section section(String key, String id, List<String> changes) {
        return new RunReport.Section(key, id, changes, null);
    }

    private static RunState.Org org(List<String> changes) {
        return new RunState.Org("111111111111", "o-1", List.of(), true, 1, null, null, null, 0, changes);
    }

    /** Six drifted items in three accounts, as the issue's hand drifts leave them. */
    private static RunReport.Input drift(Boolean repair) {
        return new RunReport.Input(RunState.DRIFT, repair, null,
                new RunState.Run("r1", "2025-01-01T00:00:00Z", "arn:aws:states:us-east-1:111111111111:execution:p:r1"),
                org(List.of("Organizations:ListAccounts")),
                null, null, null, null);
    }

    /** The full reports of the drift run's accounts, as the run bucket has them, in the run's order. */
    private static List<RunReport.Section> driftSections() {
        return List.of(section("infosec", "222222222222", List.of(
                        "- iam:group-membership infosec/InfosecAdmins Mallory",
                        "~ iam:password-policy infosec minimumPasswordLength: expected 14 actual 8",
                        "+ iam:group-membership infosec/ProdAdmins ExampleAdmin")),
                section("prod", "333333333333", List.of(
                        "~ cloudtrail:trail prod/palisade-trail logging: expected true actual false",
                        "~ iam:role prod/Administrator trust: expected {\"a\":1} actual {\"a\":\"*\"}")),
                section("non-prod", "444444444444", List.of()),
                section("management", "111111111111", List.of()),
                section("infosec", "222222222222", List.of()),
                section("non-prod", "444444444444", List.of("+ logs:log-group non-prod/palisade/cloudtrail")));
    }

    @Test
    void build_collectsEveryChangeLineByAccountAndCountsByAction() {
        RunReport.Document doc = RunReport.build(drift(null), driftSections(), "2025-01-01T00:10:00Z");

        assertThat(doc.accounts()).extracting(RunReport.Account::key)
                .as("accounts with changes, in the run's order; the org's API call names are no change lines")
                .containsExactly("infosec", "prod", "non-prod");
        assertThat(doc.accounts().get(2).accountId()).isEqualTo("444444444444");
        assertThat(doc.accounts().get(2).changes()).containsExactly("+ logs:log-group non-prod/palisade/cloudtrail");
        assertThat(doc.counts()).isEqualTo(new RunReport.Counts(2, 3, 1, 6));
        assertThat(doc.applied()).isFalse();
        assertThat(doc.status()).isEqualTo("SUCCEEDED");
        assertThat(doc.summary()).isEqualTo("Plan: 2 to add, 3 to change, 1 to remove.");
    }

    @Test
    void build_whenOrgChangesAreLines_reportsThemUnderTheOrganization() {
        RunReport.Input input = new RunReport.Input(null, null, null, new RunState.Run("r2", null),
                org(List.of("+ organizations:account prod")), null, null, null, null);

        RunReport.Document doc = RunReport.build(input, List.of(), "t");

        assertThat(doc.mode()).isEqualTo(RunState.BOOTSTRAP);
        assertThat(doc.applied()).isTrue();
        assertThat(doc.accounts()).singleElement().satisfies(a -> {
            assertThat(a.key()).isEqualTo(RunReport.ORGANIZATION);
            assertThat(a.accountId()).isEqualTo("111111111111");
        });
        assertThat(doc.summary()).isEqualTo("Applied: 1 added, 0 changed, 0 removed.");
    }

    @Test
    void build_whenTheOrganizationHasAFinding_listsItButCountsNoChange() {
        RunReport.Input input = new RunReport.Input(null, null, null, new RunState.Run("r3", null),
                org(List.of("Organizations:CreateAccount", "! iam:root-access-key prod/AKIAEXAMPLE")),
                null, null, null, null);

        RunReport.Document doc = RunReport.build(input, List.of(), "t");

        assertThat(doc.accounts()).singleElement().satisfies(a -> {
            assertThat(a.key()).isEqualTo(RunReport.ORGANIZATION);
            assertThat(a.changes()).containsExactly("! iam:root-access-key prod/AKIAEXAMPLE");
        });
        assertThat(doc.counts().total()).isZero();
        assertThat(RunReport.digest(doc, "s3://b/r3.md", null)).contains("! iam:root-access-key prod/AKIAEXAMPLE");
    }

    @Test
    void planOnly_isPlanOrDriftWithoutRepair() {
        assertThat(drift(null).planOnly()).isTrue();
        assertThat(drift(false).planOnly()).isTrue();
        assertThat(drift(true).planOnly()).isFalse();
        assertThat(new RunReport.Input("plan", true, null, null, null, null, null, null, null).planOnly()).isTrue();
        assertThat(new RunReport.Input(null, null, null, null, null, null, null, null, null).planOnly()).isFalse();
    }

    @Test
    void markdown_hasTheSummaryAndADiffBlockPerAccountAndTheProblems() {
        List<RunReport.Section> sections = new ArrayList<>(driftSections());
        sections.add(new RunReport.Section("audit", "555555555555", List.of(), List.of(
                new RunReport.Problem("AliasTakenException", "accounts[3].alias", "the alias is taken"))));

        String md = RunReport.markdown(RunReport.build(drift(null), sections, "2025-01-01T00:10:00Z"), LOCATION);

        assertThat(md).startsWith("# Palisade drift run `r1`\n\nPlan: 2 to add, 3 to change, 1 to remove.\n");
        assertThat(md).contains("## prod (333333333333)\n\n0 to add, 2 to change, 0 to remove.\n\n```diff\n"
                + "~ cloudtrail:trail prod/palisade-trail logging: expected true actual false\n"
                + "~ iam:role prod/Administrator trust: expected {\"a\":1} actual {\"a\":\"*\"}\n```\n");
        assertThat(md).contains("```diff\n- iam:group-membership infosec/InfosecAdmins Mallory\n");
        assertThat(md).contains("## audit (555555555555)\n\nProblems:\n\n"
                + "- **AliasTakenException** (`accounts[3].alias`): the alias is taken\n");
        assertThat(md).contains("| Report | " + LOCATION + " |");
    }

    @Test
    void fence_isLongerThanAnyBacktickRunInTheLines() {
        assertThat(RunReport.fence(List.of("+ a", "~ b"))).isEqualTo("```");
        assertThat(RunReport.fence(List.of("~ x tag: expected \"````\" actual \"\""))).isEqualTo("`````");
    }

    @Test
    void digest_whenDriftWithoutRepair_namesEveryItemAndWhereTheReportIs() {
        RunReport.Document doc = RunReport.build(drift(null), driftSections(), "t");

        String digest = RunReport.digest(doc, LOCATION, null);

        assertThat(digest.lines().toList()).containsExactly(
                "Palisade drift run r1: 6 drifted items in 3 accounts (not repaired; run with repair: true to fix)",
                "Plan: 2 to add, 3 to change, 1 to remove.",
                "",
                "- iam:group-membership infosec/InfosecAdmins Mallory",
                "~ iam:password-policy infosec minimumPasswordLength: expected 14 actual 8",
                "+ iam:group-membership infosec/ProdAdmins ExampleAdmin",
                "~ cloudtrail:trail prod/palisade-trail logging: expected true actual false",
                "~ iam:role prod/Administrator trust: expected {\"a\":1} actual {\"a\":\"*\"}",
                "+ logs:log-group non-prod/palisade/cloudtrail",
                "",
                "Full report: " + LOCATION);
    }

    @Test
    void digest_whenRepairedOrNothingDrifted_saysSo() {
        assertThat(RunReport.digest(RunReport.build(drift(true), driftSections(), "t"), LOCATION, null))
                .startsWith("Palisade drift (repair) run r1: 6 drifted items in 3 accounts repaired\n"
                        + "Applied: 2 added, 3 changed, 1 removed.\n");
        RunReport.Input clean = new RunReport.Input(RunState.DRIFT, null, null, new RunState.Run("r3", null),
                null, null, null, null, null);
        assertThat(RunReport.digest(RunReport.build(clean, List.of(section("prod", "333333333333", List.of())), "t"),
                null, "no bucket").lines().toList()).containsExactly(
                "Palisade drift run r3: no drift",
                "No changes: the organization matches the config.",
                "",
                "Report not stored: no bucket");
        RunReport.Input bootstrap = new RunReport.Input(null, null, null, new RunState.Run("r4", null),
                null, null, null, null, null);
        assertThat(RunReport.digest(RunReport.build(bootstrap,
                List.of(section("prod", "333333333333", List.of("+ iam:role prod/Developer"))), "t"), LOCATION, null))
                .startsWith("Palisade bootstrap run r4: 1 change applied in 1 account\n");
    }

    @Test
    void digest_whenManyLines_capsThemAndCountsTheRest() {
        List<String> lines = IntStream.range(0, 250).mapToObj(i -> "+ iam:user infosec/User" + i).toList();
        RunReport.Input input = new RunReport.Input(RunState.DRIFT, null, null, new RunState.Run("r5", null),
                null, null, null, null, null);

        String digest = RunReport.digest(RunReport.build(input, List.of(section("infosec", "222222222222", lines)),
                "t"), LOCATION, null);

        assertThat(digest.lines().filter(l -> l.startsWith("+ ")).count()).isEqualTo(RunReport.DIGEST_LINES);
        assertThat(digest).contains("+ iam:user infosec/User199\n... and 50 more (full report: " + LOCATION + ")\n");
        assertThat(digest).endsWith("\nFull report: " + LOCATION + "\n");
    }

    @Test
    void digest_whenLinesAreHuge_staysUnderTheByteCapAndCutsEachLine() {
        String policy = "x".repeat(20_000);
        List<String> lines = IntStream.range(0, 150)
                .mapToObj(i -> "~ iam:role prod/R" + i + " trust: expected " + policy + " actual {}").toList();
        RunReport.Input input = new RunReport.Input(RunState.DRIFT, null, null, new RunState.Run("r6", null),
                null, null, null, null, null);

        String digest = RunReport.digest(RunReport.build(input, List.of(section("prod", "333333333333", lines)),
                "t"), LOCATION, null);

        int bytes = digest.getBytes(StandardCharsets.UTF_8).length;
        assertThat(bytes).isLessThanOrEqualTo(RunReport.DIGEST_BYTES).isLessThan(256 * 1024);
        assertThat(digest.lines().filter(l -> l.startsWith("~ ")))
                .allSatisfy(l -> assertThat(l).hasSizeLessThanOrEqualTo(RunReport.DIGEST_LINE_CHARS)
                        .endsWith("(cut; see report)"));
        assertThat(digest).containsPattern("\\.\\.\\. and \\d+ more \\(full report: ");
        assertThat(digest).endsWith("Full report: " + LOCATION + "\n");
    }

    @Test
    void subject_isAtMost100PrintableAscii() {
        RunReport.Document doc = RunReport.build(drift(null), driftSections(), "t");
        assertThat(RunReport.subject(doc)).isEqualTo("Palisade drift: 6 drifted items in 3 accounts (not repaired)");

        RunReport.Input odd = new RunReport.Input("dríft\n" + "m".repeat(200), null, null, null, null, null, null,
                null, null);
        String subject = RunReport.subject(RunReport.build(odd, List.of(), "t"));
        assertThat(subject).hasSizeLessThanOrEqualTo(RunReport.SUBJECT_CHARS).matches("[\\x20-\\x7e]+");
    }

    @Test
    void keySafe_keepsExecutionNamesAndReplacesTheRest() {
        assertThat(RunReport.keySafe("2f1c-abc_1.x")).isEqualTo("2f1c-abc_1.x");
        assertThat(RunReport.keySafe("a/../b c")).isEqualTo("a_.._b_c");
        assertThat(RunReport.keySafe("..")).isEqualTo("_..");
    }

    @Test
    void handler_whenTheOrganizationIsNotBootstrapped_storesNothingAndReturnsThePayloadWithTheReport() {
        // a plan of a new organization: no state ref, no identity account id; no AWS call is made
        // the run bucket has prod's full report; the payload only its batch's summary
        String prodReport = "runs/r7/reports/apply-accounts/prod.json";
        List<String> runBucketCalls = new ArrayList<>();
        S3Client runBucket = s3(runBucketCalls, request -> request instanceof GetObjectRequest g
                && g.bucket().equals("run-bucket") && g.key().equals(prodReport)
                ? ResponseBytes.fromByteArray(GetObjectResponse.builder().build(), Json.write(Map.of("key", "prod",
                        "changes", List.of("+ iam:role prod/Developer"), "roles", List.of())).getBytes(StandardCharsets.UTF_8))
                : NoSuchKeyException.builder().statusCode(404).build());
        RunReportHandler handler = new RunReportHandler(new RunReport(new Clients(Region.US_EAST_1, null, null, null),
                new RunStore(runBucket, "run-bucket")));
        String input = Json.write(Map.of(
                "mode", "plan",
                "run", Map.of("id", "r7", "startedAt", "2025-01-01T00:00:00Z"),
                "config", Map.of("organization", Map.of("name", "example", "region", "us-east-1"),
                        "identityAccount", "infosec"),
                "org", Map.of("managementAccountId", "111111111111",
                        "changes", List.of("+ organizations:account infosec", "+ organizations:account prod")),
                "applied", List.of(Map.of("keys", List.of("prod"), "changes", 1, "problems", List.of(),
                        "reports", "runs/r7/reports/apply-accounts/")),
                "other", "kept"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        handler.handleRequest(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, new TestContext());

        JsonNode payload = Json.read(out.toString(StandardCharsets.UTF_8), JsonNode.class);
        assertThat(payload.path("other").asText()).isEqualTo("kept");
        JsonNode report = payload.path(RunReportHandler.FIELD);
        assertThat(report.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(report.path("mode").asText()).isEqualTo("plan");
        assertThat(report.path("add").asInt()).isEqualTo(3);
        assertThat(report.path("total").asInt()).isEqualTo(3);
        assertThat(report.path("drift").asBoolean()).isTrue();
        assertThat(report.path("stored").asBoolean()).isFalse();
        assertThat(report.path("recorded").asBoolean()).isFalse();
        assertThat(report.has("bucket")).isFalse();
        assertThat(report.path("reason").asText()).contains("'infosec' does not exist yet");
        assertThat(report.path("subject").asText()).isEqualTo("Palisade plan: 3 changes to make in 2 accounts (nothing was changed)");
        assertThat(report.path("digest").asText()).contains("+ organizations:account prod\n+ iam:role prod/Developer\n")
                .contains("Report not stored: the identity account 'infosec' does not exist yet");
        assertThat(runBucketCalls).containsExactly("getObjectAsBytes");
    }

    private static S3Exception s3Error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status).message(code + " from S3")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code + " from S3").build())
                .build();
    }

    /**
     * An S3 fake answering every operation (a call whose first argument is its request, also the
     * two-argument putObject/getObject that {@code Recording.stub} does not take for operations).
     */
    private static S3Client s3(List<String> calls, Function<Object, Object> answer) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return method.getName().equals("toString") ? "S3 fake" : method.getName().equals("hashCode")
                        ? System.identityHashCode(proxy) : proxy == args[0];
            }
            if (args != null && args.length >= 1 && args[0] != null
                    && args[0].getClass().getSimpleName().endsWith("Request")) {
                calls.add(method.getName());
                Object result = answer.apply(args[0]);
                if (result instanceof RuntimeException e) {
                    throw e;
                }
                return result;
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            throw new UnsupportedOperationException(method.getName());
        };
        return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class},
                handler);
    }

    private static RunReport.Stored store(List<String> calls, Function<Object, Object> answer) {
        S3Client s3 = s3(calls, answer);
        return RunReport.store(s3, "b", RunReport.build(drift(null), driftSections(), "t"), "reports/r1.json", "reports/r1.md");
    }

    @Test
    void store_whenTheBucketIsMissing_storesNothing() {
        List<String> calls = new ArrayList<>();
        RunReport.Stored stored = store(calls, request -> NoSuchBucketException.builder().statusCode(404).build());

        assertThat(stored).isEqualTo(new RunReport.Stored(false, false,
                "the state bucket s3://b does not exist yet (the organization is not bootstrapped): the report was not stored"));
        assertThat(calls).containsExactly("headBucket");
    }

    @Test
    void store_whenDenied_saysSoInsteadOfFailingTheRun() {
        List<String> calls = new ArrayList<>();
        RunReport.Stored stored = store(calls, request -> request instanceof HeadBucketRequest
                ? HeadBucketResponse.builder().build() : s3Error(403, "AccessDenied"));

        assertThat(stored.stored()).isFalse();
        assertThat(stored.reason()).startsWith("the report could not be stored in s3://b: AccessDenied");
        assertThat(calls).containsExactly("headBucket", "putObject");
    }

    @Test
    void store_whenS3IsThrottling_throwsForTheStateMachineToRetry() {
        assertThatThrownBy(() -> store(new ArrayList<>(), request -> s3Error(503, "SlowDown")))
                .isInstanceOf(TransientAwsException.class);
    }

    @Test
    void store_whenTheBucketHasNoStateRecord_storesTheReportsButRecordsNothing() {
        List<String> calls = new ArrayList<>();
        RunReport.Stored stored = store(calls, request -> switch (request) {
            case HeadBucketRequest h -> HeadBucketResponse.builder().build();
            case PutObjectRequest p -> PutObjectResponse.builder().build();
            default -> NoSuchKeyException.builder().statusCode(404).build();
        });

        assertThat(stored.stored()).isTrue();
        assertThat(stored.recorded()).isFalse();
        assertThat(stored.reason()).contains("no state record");
        assertThat(calls).containsExactly("headBucket", "putObject", "putObject", "getObjectAsBytes");
    }
}
