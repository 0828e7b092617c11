package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

class CallLogTest {
    @ParameterizedTest
    @CsvSource({"Iam,GetUser", "Iam,ListAccessKeys", "Organizations,DescribeOrganization", "S3,HeadBucket",
            "CloudTrail,LookupEvents", "Iam,SimulatePrincipalPolicy", "Iam,GenerateCredentialReport",
            "SecretsManager,GetSecretValue", "S3,ListObjectsV2"})
    void isChange_whenOperationOnlyReads_isFalse(String service, String op) {
        assertThat(CallLog.isChange(service, op)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"Iam,CreateUser", "Iam,PutRolePolicy", "Iam,DeleteAccessKey", "Organizations,CreateAccount",
            "S3,PutObject", "S3,PutBucketPolicy", "SecretsManager,CreateSecret", "CloudTrail,StartLogging",
            "Iam,UpdateAssumeRolePolicy", "Iam,TagRole"})
    void isChange_whenOperationWrites_isTrue(String service, String op) {
        assertThat(CallLog.isChange(service, op)).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"Sts,AssumeRole", "STS,AssumeRole", "sts,GetCallerIdentity"})
    void isChange_whenServiceIsSts_isFalse(String service, String op) {
        assertThat(CallLog.isChange(service, op)).isFalse();
    }

    @Test
    void isChange_whenOperationIsUnknown_isFalse() {
        assertThat(CallLog.isChange("Iam", null)).isFalse();
    }

    @Test
    void drain_whenCallsWereMade_returnsTheChangesInOrderOnce() {
        CallLog log = new CallLog();
        for (String op : new String[] {"GetUser", "CreateUser", "ListAccessKeys", "CreateAccessKey"}) {
            log.afterExecution(null, ExecutionAttributes.builder()
                    .put(SdkExecutionAttribute.SERVICE_NAME, "Iam")
                    .put(SdkExecutionAttribute.OPERATION_NAME, op)
                    .build());
        }

        assertThat(log.drain()).containsExactly("Iam:CreateUser", "Iam:CreateAccessKey");
        assertThat(log.drain()).isEmpty();
    }
}
