package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.accessanalyzer.AccessAnalyzerClient;
import software.amazon.awssdk.services.accessanalyzer.model.AnalyzerStatus;
import software.amazon.awssdk.services.accessanalyzer.model.AnalyzerSummary;
import software.amazon.awssdk.services.accessanalyzer.model.ConflictException;
import software.amazon.awssdk.services.accessanalyzer.model.CreateAnalyzerRequest;
import software.amazon.awssdk.services.accessanalyzer.model.CreateAnalyzerResponse;
import software.amazon.awssdk.services.accessanalyzer.model.DeleteAnalyzerRequest;
import software.amazon.awssdk.services.accessanalyzer.model.DeleteAnalyzerResponse;
import software.amazon.awssdk.services.accessanalyzer.model.GetAnalyzerRequest;
import software.amazon.awssdk.services.accessanalyzer.model.GetAnalyzerResponse;
import software.amazon.awssdk.services.accessanalyzer.model.ResourceNotFoundException;
import software.amazon.awssdk.services.accessanalyzer.model.Type;

class OrganizationAnalyzerTest {
    private static final Change.Account INFOSEC = new Change.Account("222222222222", "infosec");
    private static final String NAME = "example-palisade-organization";

    /** One account's analyzers in one region; every change recorded. */
    private static final class FakeAnalyzers implements AccessAnalyzerClient {
        final Map<String, AnalyzerSummary> analyzers = new HashMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public GetAnalyzerResponse getAnalyzer(GetAnalyzerRequest r) {
            AnalyzerSummary a = analyzers.get(r.analyzerName());
            if (a == null) {
                throw ResourceNotFoundException.builder().message("Analyzer not found").build();
            }
            return GetAnalyzerResponse.builder().analyzer(a).build();
        }

        @Override
        public CreateAnalyzerResponse createAnalyzer(CreateAnalyzerRequest r) {
            calls.add("CreateAnalyzer " + r.analyzerName() + " " + r.typeAsString() + " token=" + (r.clientToken() != null));
            if (analyzers.containsKey(r.analyzerName())) {
                throw ConflictException.builder().message("exists").build();
            }
            analyzers.put(r.analyzerName(), AnalyzerSummary.builder().name(r.analyzerName()).type(r.type())
                    .status(AnalyzerStatus.ACTIVE).build());
            return CreateAnalyzerResponse.builder().arn("arn:aws:access-analyzer:x").build();
        }

        @Override
        public DeleteAnalyzerResponse deleteAnalyzer(DeleteAnalyzerRequest r) {
            calls.add("DeleteAnalyzer " + r.analyzerName());
            analyzers.remove(r.analyzerName());
            return DeleteAnalyzerResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "access-analyzer";
        }

        @Override
        public void close() {}
    }

    @Test
    void plan_whenMissing_expectedACreateThatMakesAnOrganizationAnalyzer() {
        FakeAnalyzers fake = new FakeAnalyzers();

        Plan plan = new OrganizationAnalyzer(fake, INFOSEC).plan("example", "run-1");

        assertThat(plan.changes()).extracting(Change::render)
                .containsExactly("+ access-analyzer:analyzer infosec/" + NAME);
        assertThat(fake.calls).isEmpty();
        plan.apply();
        assertThat(fake.calls).containsExactly("CreateAnalyzer " + NAME + " ORGANIZATION token=true");
        assertThat(new OrganizationAnalyzer(fake, INFOSEC).plan("example", "run-2").changes()).isEmpty();
    }

    @Test
    void apply_whenAnEarlierAttemptMadeItWithAnotherToken_expectedTheConflictIsDone() {
        FakeAnalyzers fake = new FakeAnalyzers();
        Plan plan = new OrganizationAnalyzer(fake, INFOSEC).plan("example", "run-1");
        fake.analyzers.put(NAME, AnalyzerSummary.builder().name(NAME).type(Type.ORGANIZATION)
                .status(AnalyzerStatus.CREATING).build());

        plan.apply();

        assertThat(fake.analyzers.get(NAME).type()).isEqualTo(Type.ORGANIZATION);
    }

    @Test
    void plan_whenItIsAnAccountAnalyzer_expectedATypeChangeThatReplacesIt() {
        FakeAnalyzers fake = new FakeAnalyzers();
        fake.analyzers.put(NAME, AnalyzerSummary.builder().name(NAME).type(Type.ACCOUNT)
                .status(AnalyzerStatus.ACTIVE).build());

        Plan plan = new OrganizationAnalyzer(fake, INFOSEC).plan("example", "run-1");

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "~ access-analyzer:analyzer infosec/" + NAME + " type: expected \"ORGANIZATION\" actual \"ACCOUNT\"");
        plan.apply();
        assertThat(fake.calls).containsExactly("DeleteAnalyzer " + NAME, "CreateAnalyzer " + NAME
                + " ORGANIZATION token=true");
    }

    @Test
    void plan_whenDisabled_expectedAStatusChange() {
        FakeAnalyzers fake = new FakeAnalyzers();
        fake.analyzers.put(NAME, AnalyzerSummary.builder().name(NAME).type(Type.ORGANIZATION)
                .status(AnalyzerStatus.DISABLED).build());

        assertThat(new OrganizationAnalyzer(fake, INFOSEC).plan("example", "run-1").changes())
                .extracting(Change::render).containsExactly("~ access-analyzer:analyzer infosec/" + NAME
                        + " status: expected \"ACTIVE\" actual \"DISABLED\"");
    }

    @Test
    void token_isTheSameWithinARunAndDiffersBetweenRuns() {
        assertThat(OrganizationAnalyzer.token(NAME, "run-1")).isEqualTo(OrganizationAnalyzer.token(NAME, "run-1"))
                .isNotEqualTo(OrganizationAnalyzer.token(NAME, "run-2"));
    }
}
