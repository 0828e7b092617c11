package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.AdvancedEventSelector;
import software.amazon.awssdk.services.cloudtrail.model.AdvancedFieldSelector;
import software.amazon.awssdk.services.cloudtrail.model.DataResource;
import software.amazon.awssdk.services.cloudtrail.model.EventSelector;
import software.amazon.awssdk.services.cloudtrail.model.GetEventSelectorsRequest;
import software.amazon.awssdk.services.cloudtrail.model.GetEventSelectorsResponse;
import software.amazon.awssdk.services.cloudtrail.model.PutEventSelectorsRequest;
import software.amazon.awssdk.services.cloudtrail.model.PutEventSelectorsResponse;
import software.amazon.awssdk.services.cloudtrail.model.ReadWriteType;

class TrailEventsTest {
    private static final Change.Account PROD = new Change.Account("222222222222", "prod");
    private static final List<String> LOGS = List.of("acme-trail-111", "acme-access-logs-111");

    private final List<PutEventSelectorsRequest> puts = new ArrayList<>();

    private CloudTrailClient trail(GetEventSelectorsResponse current) {
        return new CloudTrailClient() {
            @Override
            public GetEventSelectorsResponse getEventSelectors(GetEventSelectorsRequest r) {
                return current;
            }

            @Override
            public PutEventSelectorsResponse putEventSelectors(PutEventSelectorsRequest r) {
                puts.add(r);
                return PutEventSelectorsResponse.builder().build();
            }

            @Override
            public String serviceName() {
                return "cloudtrail";
            }

            @Override
            public void close() {}
        };
    }

    private static GetEventSelectorsResponse classicDefault() {
        return GetEventSelectorsResponse.builder().eventSelectors(EventSelector.builder()
                .readWriteType(ReadWriteType.ALL).includeManagementEvents(true).build()).build();
    }

    @Test
    void wanted_withS3Data_recordsManagementEventsAndEveryObjectButTheLogBuckets() {
        List<AdvancedEventSelector> wanted = TrailEvents.wanted(true, "aws", LOGS);

        assertThat(wanted).extracting(AdvancedEventSelector::name)
                .containsExactly(TrailEvents.MANAGEMENT, TrailEvents.S3_DATA);
        assertThat(wanted.get(0).fieldSelectors()).containsExactly(AdvancedFieldSelector.builder()
                .field("eventCategory").equalsValue("Management").build());
        assertThat(wanted.get(1).fieldSelectors()).containsExactly(
                AdvancedFieldSelector.builder().field("eventCategory").equalsValue("Data").build(),
                AdvancedFieldSelector.builder().field("resources.type").equalsValue("AWS::S3::Object").build(),
                AdvancedFieldSelector.builder().field("resources.ARN").notStartsWith(
                        "arn:aws:s3:::acme-access-logs-111/", "arn:aws:s3:::acme-trail-111/").build());
    }

    @Test
    void plan_onANewTrail_putsTheSelectorsOnlyForDataEvents() {
        Plan with = TrailEvents.plan(trail(null), PROD, false, TrailEvents.wanted(true, "aws", LOGS));
        Plan without = TrailEvents.plan(trail(null), PROD, false, TrailEvents.wanted(false, "aws", LOGS));

        assertThat(with.changes()).extracting(Change::render)
                .containsExactly("+ cloudtrail:event-selectors prod/palisade-trail");
        assertThat(without.isEmpty()).as("a new trail records management events by default").isTrue();

        with.apply();
        assertThat(puts).singleElement().satisfies(p -> {
            assertThat(p.trailName()).isEqualTo("palisade-trail");
            assertThat(p.advancedEventSelectors()).hasSize(2);
            assertThat(p.hasEventSelectors()).as("classic and advanced cannot be sent together").isFalse();
        });
    }

    @Test
    void plan_whenTheTrailHasTheDefaultClassicSelector_addsDataEventsOrNothing() {
        assertThat(TrailEvents.plan(trail(classicDefault()), PROD, true, TrailEvents.wanted(false, "aws", LOGS))
                .isEmpty()).isTrue();
        assertThat(TrailEvents.plan(trail(classicDefault()), PROD, true, TrailEvents.wanted(true, "aws", LOGS))
                .changes()).extracting(Change::render).singleElement().asString()
                .startsWith("~ cloudtrail:event-selectors prod/palisade-trail selectors: expected [")
                .contains("AWS::S3::Object").contains("arn:aws:s3:::acme-trail-111/");
    }

    @Test
    void plan_whenTheTrailRecordsWhatIsWanted_inAnyOrderAndUnderAnyName_isEmpty() {
        List<AdvancedEventSelector> wanted = TrailEvents.wanted(true, "aws", LOGS);
        List<AdvancedEventSelector> renamed = List.of(
                wanted.get(1).toBuilder().name("objects").fieldSelectors(
                        wanted.get(1).fieldSelectors().get(2).toBuilder().notStartsWith(
                                "arn:aws:s3:::acme-trail-111/", "arn:aws:s3:::acme-access-logs-111/").build(),
                        wanted.get(1).fieldSelectors().get(1), wanted.get(1).fieldSelectors().get(0)).build(),
                wanted.get(0).toBuilder().name("mgmt").build());

        Plan plan = TrailEvents.plan(trail(GetEventSelectorsResponse.builder().advancedEventSelectors(renamed).build()),
                PROD, true, wanted);

        assertThat(plan.isEmpty()).isTrue();
    }

    @Test
    void plan_whenSomeoneDroppedManagementEventsOrNarrowedTheData_putsThemBack() {
        List<AdvancedEventSelector> wanted = TrailEvents.wanted(true, "aws", LOGS);
        // only data events: every CIS metric filter would go blind
        Plan dataOnly = TrailEvents.plan(trail(GetEventSelectorsResponse.builder()
                .advancedEventSelectors(wanted.get(1)).build()), PROD, true, wanted);
        // a classic selector for one bucket's writes
        Plan oneBucket = TrailEvents.plan(trail(GetEventSelectorsResponse.builder().eventSelectors(EventSelector
                .builder().readWriteType(ReadWriteType.WRITE_ONLY).includeManagementEvents(true)
                .dataResources(DataResource.builder().type("AWS::S3::Object").values("arn:aws:s3:::b/").build())
                .build()).build()), PROD, true, wanted);

        assertThat(dataOnly.changes()).hasSize(1);
        assertThat(oneBucket.changes()).extracting(Change::render).singleElement().asString()
                .contains("actual [{\"classic\":\"WriteOnly management=true data=1\"}]");
    }

    @Test
    void plan_whenDataEventsAreSwitchedOff_goesBackToManagementEventsOnly() {
        List<AdvancedEventSelector> on = TrailEvents.wanted(true, "aws", LOGS);

        Plan plan = TrailEvents.plan(trail(GetEventSelectorsResponse.builder().advancedEventSelectors(on).build()),
                PROD, true, TrailEvents.wanted(false, "aws", LOGS));
        plan.apply();

        assertThat(puts).singleElement().satisfies(p -> assertThat(p.advancedEventSelectors())
                .extracting(AdvancedEventSelector::name).containsExactly(TrailEvents.MANAGEMENT));
    }
}
