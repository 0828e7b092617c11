package io.palisade.applyaccounts;

import io.palisade.common.Names;
import io.palisade.common.aws.AwsErrors;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.config.ConfigClient;
import software.amazon.awssdk.services.config.model.ConfigurationRecorder;
import software.amazon.awssdk.services.config.model.ConfigurationRecorderStatus;
import software.amazon.awssdk.services.config.model.DeliveryChannel;
import software.amazon.awssdk.services.config.model.RecordingGroup;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * AWS Config recording in one account's home region (CIS AWS Foundations 7.0 "Ensure AWS Config
 * is enabled in all regions", Prowler {@code config_recorder_all_regions_enabled}): the service-linked
 * role {@value Names#CONFIG_SERVICE_ROLE}, a configuration recorder of every supported resource
 * type with IAM's global types included (Palisade records only the home region, so they are
 * recorded once), a delivery channel to the identity account's config bucket, and the recorder
 * started.
 *
 * <p>Read first: each part that is missing or differs is one change, and a Put makes what it
 * names whole, so a lost answer converges on the next attempt. AWS allows one recorder and one
 * delivery channel per account and region: one of another name is adopted (changed in place),
 * never a second made.
 */
final class ConfigRecording {
    static final String RECORDER = "config:recorder";
    static final String CHANNEL = "config:delivery-channel";
    static final String SERVICE_ROLE = "iam:service-linked-role";

    private final IamClient iam;
    private final ConfigClient config;
    private final Change.Account account;
    private final String partition;

    ConfigRecording(IamClient iam, ConfigClient config, Change.Account account, String partition) {
        this.iam = iam;
        this.config = config;
        this.account = account;
        this.partition = partition;
    }

    /** What the recorder should record: everything supported, IAM's global resource types included. */
    static RecordingGroup wantedGroup() {
        return RecordingGroup.builder().allSupported(true).includeGlobalResourceTypes(true).build();
    }

    /** Reads the service-linked role, the recorder, its status and the delivery channel; changes nothing. */
    Plan plan(String bucket) {
        Plan plan = new Plan();
        String roleArn = Names.configServiceRoleArn(partition, account.id());
        if (!serviceRoleExists()) {
            Change create = Change.create(account, SERVICE_ROLE, Names.CONFIG_SERVICE_ROLE);
            plan.add(create, this::createServiceRole);
        }
        ConfigurationRecorder recorder = config.describeConfigurationRecorders().configurationRecorders().stream()
                .findFirst().orElse(null);
        String name = recorder == null ? Names.CONFIG_RECORDER : recorder.name();
        Runnable start = () -> config.startConfigurationRecorder(r -> r.configurationRecorderName(name));
        Runnable putRecorder = ApplyAccounts.once(() -> config.putConfigurationRecorder(r -> r.configurationRecorder(
                c -> c.name(name).roleARN(roleArn).recordingGroup(wantedGroup()))));
        DeliveryChannel channel = config.describeDeliveryChannels().deliveryChannels().stream()
                .findFirst().orElse(null);
        String channelName = channel == null ? Names.CONFIG_DELIVERY_CHANNEL : channel.name();
        Runnable putChannel = ApplyAccounts.once(() -> config.putDeliveryChannel(r -> r.deliveryChannel(
                d -> d.name(channelName).s3BucketName(bucket))));
        if (recorder == null) {
            // a new recorder is made recording: started by the last step, once it has a channel (AWS starts
            // none without), so a fresh account plans only "+" lines
            plan.add(Change.create(account, RECORDER, name), channel == null ? putRecorder : () -> {
                putRecorder.run();
                start.run();
            });
        } else {
            recorderDifferences(recorder, roleArn).forEach((field, values) -> plan.add(Change.update(account,
                    RECORDER, name, field, values.get(0), values.get(1)), putRecorder));
        }
        if (channel == null) {
            plan.add(Change.create(account, CHANNEL, channelName), recorder == null ? () -> {
                putChannel.run();
                start.run();
            } : putChannel);
        } else {
            channelDifferences(channel, bucket).forEach((field, values) -> plan.add(Change.update(account,
                    CHANNEL, channelName, field, values.get(0), values.get(1)), putChannel));
        }
        if (recorder != null) {
            Boolean recording = recording(name);
            if (!Boolean.TRUE.equals(recording)) {
                // after the channel: AWS starts no recorder without one
                plan.add(Change.update(account, RECORDER, name, "recording", true, recording), start);
            }
        }
        return plan;
    }

    /**
     * Each setting of {@code have} that is not what Palisade records with, by name, with the
     * value wanted and the value found.
     */
    static Map<String, List<Object>> recorderDifferences(ConfigurationRecorder have, String roleArn) {
        Map<String, List<Object>> differ = new LinkedHashMap<>();
        if (!roleArn.equals(have.roleARN())) {
            differ.put("roleARN", Arrays.asList(roleArn, have.roleARN()));
        }
        RecordingGroup group = have.recordingGroup();
        Boolean all = group == null ? null : group.allSupported();
        if (!Boolean.TRUE.equals(all)) {
            differ.put("allSupported", Arrays.asList(true, all));
        }
        Boolean global = group == null ? null : group.includeGlobalResourceTypes();
        if (!Boolean.TRUE.equals(global)) {
            differ.put("includeGlobalResourceTypes", Arrays.asList(true, global));
        }
        return differ;
    }

    /**
     * The channel's bucket and prefix: AWS Config writes under {@code AWSLogs/<account>/Config/},
     * which is all the bucket policy lets it write to, so any prefix is drift. An SNS topic or a
     * delivery frequency someone set stays: Palisade does not own them.
     */
    static Map<String, List<Object>> channelDifferences(DeliveryChannel have, String bucket) {
        Map<String, List<Object>> differ = new LinkedHashMap<>();
        if (!bucket.equals(have.s3BucketName())) {
            differ.put("s3BucketName", Arrays.asList(bucket, have.s3BucketName()));
        }
        if (have.s3KeyPrefix() != null && !have.s3KeyPrefix().isEmpty()) {
            differ.put("s3KeyPrefix", Arrays.asList(null, have.s3KeyPrefix()));
        }
        return differ;
    }

    private Boolean recording(String name) {
        return config.describeConfigurationRecorderStatus(r -> r.configurationRecorderNames(name))
                .configurationRecordersStatus().stream().filter(s -> Objects.equals(name, s.name()))
                .map(ConfigurationRecorderStatus::recording).findFirst().orElse(null);
    }

    private boolean serviceRoleExists() {
        try {
            iam.getRole(r -> r.roleName(Names.CONFIG_SERVICE_ROLE));
            return true;
        } catch (NoSuchEntityException e) {
            return false;
        }
    }

    /**
     * IAM answers a second CreateServiceLinkedRole (after a lost answer) with InvalidInput ("has
     * been taken"), not EntityAlreadyExists: the role is read back, and there it is done.
     */
    private void createServiceRole() {
        try {
            iam.createServiceLinkedRole(r -> r.awsServiceName(Names.CONFIG_SERVICE));
        } catch (RuntimeException e) {
            if (AwsErrors.alreadyExists(e) || "InvalidInput".equals(AwsErrors.code(e)) && serviceRoleExists()) {
                return;
            }
            throw e;
        }
    }
}
