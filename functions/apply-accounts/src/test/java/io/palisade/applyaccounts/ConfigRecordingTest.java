package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import io.palisade.common.testkit.Recording;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.config.ConfigClient;
import software.amazon.awssdk.services.config.model.ConfigurationRecorder;
import software.amazon.awssdk.services.config.model.ConfigurationRecorderStatus;
import software.amazon.awssdk.services.config.model.DeliveryChannel;
import software.amazon.awssdk.services.config.model.DescribeConfigurationRecorderStatusRequest;
import software.amazon.awssdk.services.config.model.DescribeConfigurationRecorderStatusResponse;
import software.amazon.awssdk.services.config.model.DescribeConfigurationRecordersRequest;
import software.amazon.awssdk.services.config.model.DescribeConfigurationRecordersResponse;
import software.amazon.awssdk.services.config.model.DescribeDeliveryChannelsRequest;
import software.amazon.awssdk.services.config.model.DescribeDeliveryChannelsResponse;
import software.amazon.awssdk.services.config.model.PutConfigurationRecorderRequest;
import software.amazon.awssdk.services.config.model.PutDeliveryChannelRequest;
import software.amazon.awssdk.services.config.model.RecordingGroup;
import software.amazon.awssdk.services.config.model.StartConfigurationRecorderRequest;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.CreateServiceLinkedRoleRequest;
import software.amazon.awssdk.services.iam.model.GetRoleRequest;
import software.amazon.awssdk.services.iam.model.GetRoleResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/** AWS Config recording: what differs is planned, a plan calls nothing that changes, a matching account plans nothing. */
class ConfigRecordingTest {
    private static final String ID = "222222222222";
    private static final String BUCKET = "acme-palisade-config-111111111111";
    private static final String ROLE = Names.configServiceRoleArn("aws", ID);
    private static final Change.Account ACCOUNT = new Change.Account(ID, "prod");

    private static ConfigurationRecorder recorder(String name, String role, Boolean all, Boolean global) {
        return ConfigurationRecorder.builder().name(name).roleARN(role)
                .recordingGroup(RecordingGroup.builder().allSupported(all).includeGlobalResourceTypes(global).build())
                .build();
    }

    /** An account with this recorder (or none), channel (or none), recording state and service-linked role. */
    private static ConfigRecording in(List<String> calls, ConfigurationRecorder recorder, DeliveryChannel channel,
                                      boolean recording, boolean serviceRole) {
        IamClient iam = Recording.stub(IamClient.class, calls, request -> {
            if (request instanceof GetRoleRequest) {
                return serviceRole ? GetRoleResponse.builder().role(Role.builder().roleName(Names.CONFIG_SERVICE_ROLE)
                        .arn(ROLE).build()).build() : NoSuchEntityException.builder().message("no").build();
            }
            return null;
        });
        ConfigClient config = Recording.stub(ConfigClient.class, calls, request -> {
            if (request instanceof DescribeConfigurationRecordersRequest) {
                return DescribeConfigurationRecordersResponse.builder()
                        .configurationRecorders(recorder == null ? List.of() : List.of(recorder)).build();
            }
            if (request instanceof DescribeDeliveryChannelsRequest) {
                return DescribeDeliveryChannelsResponse.builder()
                        .deliveryChannels(channel == null ? List.of() : List.of(channel)).build();
            }
            if (request instanceof DescribeConfigurationRecorderStatusRequest) {
                return DescribeConfigurationRecorderStatusResponse.builder().configurationRecordersStatus(
                        ConfigurationRecorderStatus.builder().name(recorder.name()).recording(recording).build())
                        .build();
            }
            return null;
        });
        return new ConfigRecording(iam, config, ACCOUNT, "aws");
    }

    @Test
    void plan_whenNothingExists_expectedRoleRecorderAndChannelAsCreateAndNoChangingCall() {
        List<String> calls = new ArrayList<>();

        Plan plan = in(calls, null, null, false, false).plan(BUCKET);

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "+ iam:service-linked-role prod/AWSServiceRoleForConfig",
                "+ config:recorder prod/default",
                "+ config:delivery-channel prod/default");
        assertThat(calls).allMatch(c -> c.startsWith("get") || c.startsWith("describe"));
    }

    @Test
    void apply_whenNothingExists_expectedRecorderThenChannelThenStarted() {
        List<String> calls = new ArrayList<>();
        ConfigRecording recording = in(calls, null, null, false, false);
        Plan plan = recording.plan(BUCKET);
        calls.clear();

        plan.apply();

        assertThat(calls).containsExactly("createServiceLinkedRole", "putConfigurationRecorder", "putDeliveryChannel",
                "startConfigurationRecorder");
    }

    @Test
    void plan_whenEverythingMatches_expectedNoChange() {
        List<String> calls = new ArrayList<>();
        DeliveryChannel channel = DeliveryChannel.builder().name("default").s3BucketName(BUCKET).build();

        Plan plan = in(calls, recorder("default", ROLE, true, true), channel, true, true).plan(BUCKET);

        assertThat(plan.changes()).isEmpty();
    }

    @Test
    void plan_whenStoppedWithoutGlobalTypesAndAnotherBucket_expectedEachDifferenceOnItsOwnLine() {
        List<String> calls = new ArrayList<>();
        DeliveryChannel channel = DeliveryChannel.builder().name("mine").s3BucketName("elsewhere")
                .s3KeyPrefix("p").build();

        Plan plan = in(calls, recorder("mine", ROLE, true, false), channel, false, true).plan(BUCKET);

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "~ config:recorder prod/mine includeGlobalResourceTypes: expected true actual false",
                "~ config:delivery-channel prod/mine s3BucketName: expected \"" + BUCKET + "\" actual \"elsewhere\"",
                "~ config:delivery-channel prod/mine s3KeyPrefix: expected null actual \"p\"",
                "~ config:recorder prod/mine recording: expected true actual false");
    }

    @Test
    void apply_whenAnotherRecorderExists_expectedItIsAdoptedByNameAndEachPutMadeOnce() {
        List<String> calls = new ArrayList<>();
        List<Object> requests = new ArrayList<>();
        ConfigurationRecorder theirs = recorder("theirs", "arn:aws:iam::" + ID + ":role/custom", false, false);
        ConfigClient config = Recording.stub(ConfigClient.class, calls, request -> {
            requests.add(request);
            if (request instanceof DescribeConfigurationRecordersRequest) {
                return DescribeConfigurationRecordersResponse.builder().configurationRecorders(theirs).build();
            }
            if (request instanceof DescribeDeliveryChannelsRequest) {
                return DescribeDeliveryChannelsResponse.builder().build();
            }
            if (request instanceof DescribeConfigurationRecorderStatusRequest) {
                return DescribeConfigurationRecorderStatusResponse.builder().build();
            }
            return null;
        });
        IamClient iam = Recording.stub(IamClient.class, calls, request -> request instanceof GetRoleRequest
                ? GetRoleResponse.builder().role(Role.builder().arn(ROLE).build()).build() : null);

        Plan plan = new ConfigRecording(iam, config, ACCOUNT, "aws").plan(BUCKET);
        plan.apply();

        assertThat(plan.changes()).hasSize(5);
        List<PutConfigurationRecorderRequest> puts = requests.stream()
                .filter(PutConfigurationRecorderRequest.class::isInstance)
                .map(PutConfigurationRecorderRequest.class::cast).toList();
        assertThat(puts).hasSize(1);
        assertThat(puts.get(0).configurationRecorder().name()).isEqualTo("theirs");
        assertThat(puts.get(0).configurationRecorder().roleARN()).isEqualTo(ROLE);
        assertThat(puts.get(0).configurationRecorder().recordingGroup()).isEqualTo(ConfigRecording.wantedGroup());
        assertThat(requests).filteredOn(PutDeliveryChannelRequest.class::isInstance).singleElement()
                .extracting(r -> ((PutDeliveryChannelRequest) r).deliveryChannel().s3BucketName()).isEqualTo(BUCKET);
        assertThat(requests).filteredOn(StartConfigurationRecorderRequest.class::isInstance).singleElement()
                .extracting(r -> ((StartConfigurationRecorderRequest) r).configurationRecorderName())
                .isEqualTo("theirs");
        assertThat(calls).doesNotContain("createServiceLinkedRole");
    }

    @Test
    void apply_whenTheServiceRoleCreateWasAnsweredTakenAfterALostAnswer_expectedDone() {
        List<String> calls = new ArrayList<>();
        boolean[] made = {false};
        IamClient iam = Recording.stub(IamClient.class, calls, request -> {
            if (request instanceof GetRoleRequest) {
                return made[0] ? GetRoleResponse.builder().role(Role.builder().arn(ROLE).build()).build()
                        : NoSuchEntityException.builder().message("no").build();
            }
            if (request instanceof CreateServiceLinkedRoleRequest) {
                // the first create's answer was lost: the role exists, and IAM says the name is taken
                made[0] = true;
                return software.amazon.awssdk.services.iam.model.IamException.builder()
                        .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                                .errorCode("InvalidInput").errorMessage("Service role name AWSServiceRoleForConfig "
                                        + "has been taken in this account, please try a different suffix.").build())
                        .statusCode(400).build();
            }
            return null;
        });
        ConfigurationRecorder ours = recorder("default", ROLE, true, true);
        ConfigClient config = Recording.stub(ConfigClient.class, calls, request -> {
            if (request instanceof DescribeConfigurationRecordersRequest) {
                return DescribeConfigurationRecordersResponse.builder().configurationRecorders(ours).build();
            }
            if (request instanceof DescribeDeliveryChannelsRequest) {
                return DescribeDeliveryChannelsResponse.builder().deliveryChannels(
                        DeliveryChannel.builder().name("default").s3BucketName(BUCKET).build()).build();
            }
            return DescribeConfigurationRecorderStatusResponse.builder().configurationRecordersStatus(
                    ConfigurationRecorderStatus.builder().name("default").recording(true).build()).build();
        });

        Plan plan = new ConfigRecording(iam, config, ACCOUNT, "aws").plan(BUCKET);

        assertThat(plan.apply()).extracting(Change::render)
                .containsExactly("+ iam:service-linked-role prod/AWSServiceRoleForConfig");
    }

    @Test
    void recorderDifferences_whenAnotherRole_expectedTheRoleArn() {
        assertThat(ConfigRecording.recorderDifferences(recorder("default", "arn:aws:iam::1:role/x", true, true), ROLE))
                .containsOnlyKeys("roleARN");
    }

    @Test
    void channelDifferences_whenAnEmptyPrefix_expectedNone() {
        DeliveryChannel channel = DeliveryChannel.builder().name("default").s3BucketName(BUCKET).s3KeyPrefix("")
                .snsTopicARN("arn:aws:sns:us-east-1:1:t").build();

        assertThat(ConfigRecording.channelDifferences(channel, BUCKET)).isEmpty();
    }
}
