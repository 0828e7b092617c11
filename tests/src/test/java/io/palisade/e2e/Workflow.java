package io.palisade.e2e;

import io.palisade.common.Json;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The Palisade stack deployed to MiniStack (./palisade test deploys it before the tests run). */
final class Workflow {
    private final SfnClient sfn;
    private final String stateMachineArn;
    private final String runTopicArn;
    private final SnsClient sns;
    private final SqsClient sqs;
    private final S3Client s3;
    private final String runBucket;

    private Workflow(SfnClient sfn, String stateMachineArn, String runTopicArn, SnsClient sns, SqsClient sqs,
                     S3Client s3, String runBucket) {
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
        this.runTopicArn = runTopicArn;
        this.sns = sns;
        this.sqs = sqs;
        this.s3 = s3;
        this.runBucket = runBucket;
    }

    /**
     * The full reports behind the per-account summaries an execution's output has under
     * {@code field} ({@code applied}, {@code alarms}): the payload carries {key, accountId,
     * changes: count, problems, report}; the report itself is in the stack's run bucket.
     */
    List<com.fasterxml.jackson.databind.JsonNode> fullReports(String output, String field) {
        List<com.fasterxml.jackson.databind.JsonNode> out = new ArrayList<>();
        for (var batch : Json.read(output, com.fasterxml.jackson.databind.JsonNode.class).path(field)) {
            for (var key : batch.path("keys")) {
                out.add(object(batch.path("reports").asText() + key.asText() + ".json"));
            }
        }
        return out;
    }

    /** The output's {@code field} ({@code config} or {@code org}) as stored in the run bucket: the payload has its reference. */
    com.fasterxml.jackson.databind.JsonNode resolved(String output, String field) {
        return object(Json.read(output, com.fasterxml.jackson.databind.JsonNode.class).path(field).path("ref").asText());
    }

    private com.fasterxml.jackson.databind.JsonNode object(String key) {
        return Json.read(s3.getObjectAsBytes(r -> r.bucket(runBucket).key(key)).asUtf8String(),
                com.fasterxml.jackson.databind.JsonNode.class);
    }

    /** A config for a new organization in the emulator: the default shape, a unique name and emails. */
    static io.palisade.common.config.OrgConfig freshConfig(String prefix) {
        return io.palisade.common.testkit.Emulator.config(prefix + Long.toString(System.nanoTime(), 36).substring(0, 6));
    }

    /** The execution input of a bootstrap of {@code config}. */
    static Map<String, Object> bootstrap(io.palisade.common.config.OrgConfig config) {
        Map<String, Object> in = new java.util.LinkedHashMap<>();
        in.put("mode", "bootstrap");
        in.put("config", config);
        return in;
    }

    static Workflow deployed() {
        String url = System.getenv("PALISADE_MINISTACK_URL");
        Assumptions.assumeTrue(url != null, "PALISADE_MINISTACK_URL not set: run through ./palisade test");
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
        var http = UrlConnectionHttpClient.create();
        CloudFormationClient cfn = CloudFormationClient.builder().endpointOverride(URI.create(url))
                .region(Region.US_EAST_1).credentialsProvider(creds).httpClient(http).build();
        String stack = System.getenv().getOrDefault("PALISADE_STACK", "palisade");
        var outputs = cfn.describeStacks(r -> r.stackName(stack)).stacks().get(0).outputs();
        String arn = outputs.stream().filter(o -> o.outputKey().equals("StateMachineArn")).findFirst()
                .orElseThrow().outputValue();
        String topic = outputs.stream().filter(o -> o.outputKey().equals("RunTopicArn")).findFirst()
                .orElseThrow().outputValue();
        SfnClient sfn = SfnClient.builder().endpointOverride(URI.create(url))
                .region(Region.US_EAST_1).credentialsProvider(creds).httpClient(http).build();
        SnsClient sns = SnsClient.builder().endpointOverride(URI.create(url))
                .region(Region.US_EAST_1).credentialsProvider(creds).httpClient(http).build();
        SqsClient sqs = SqsClient.builder().endpointOverride(URI.create(url))
                .region(Region.US_EAST_1).credentialsProvider(creds).httpClient(http).build();
        String runBucket = outputs.stream().filter(o -> o.outputKey().equals("RunBucket")).findFirst()
                .orElseThrow().outputValue();
        S3Client s3 = S3Client.builder().endpointOverride(URI.create(url)).forcePathStyle(true)
                .region(Region.US_EAST_1).credentialsProvider(creds).httpClient(http).build();
        return new Workflow(sfn, arn, topic, sns, sqs, s3, runBucket);
    }

    /** A queue subscribed to the stack's run-results topic, as an operator would subscribe. */
    String subscribeToRunResults() {
        String url = sqs.createQueue(r -> r.queueName("e2e-run-results-" + UUID.randomUUID().toString()
                .substring(0, 8))).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(url)
                .attributeNamesWithStrings("QueueArn")).attributesAsStrings().get("QueueArn");
        sns.subscribe(r -> r.topicArn(runTopicArn).protocol("sqs").endpoint(queueArn));
        return url;
    }

    /** The run-result messages delivered to that queue so far. */
    List<String> runResults(String queueUrl) {
        List<String> messages = new ArrayList<>();
        for (var m : sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(2))
                .messages()) {
            messages.add(Json.read(m.body(), com.fasterxml.jackson.databind.JsonNode.class).path("Message").asText());
        }
        return messages;
    }

    /** Starts an execution with this input and waits for it to end (at most 5 minutes). */
    DescribeExecutionResponse run(Map<String, Object> input) {
        return await(start(input));
    }

    /** Starts an execution; returns its ARN. */
    String start(Map<String, Object> input) {
        String name = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        return sfn.startExecution(r -> r.stateMachineArn(stateMachineArn).name(name)
                .input(Json.write(input))).executionArn();
    }

    /** Waits until the execution has entered the state {@code stateName} (at most 3 minutes). */
    void awaitState(String arn, String stateName) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(deadline)) {
            boolean entered = sfn.getExecutionHistoryPaginator(r -> r.executionArn(arn)).events().stream()
                    .anyMatch(e -> e.stateEnteredEventDetails() != null
                            && stateName.equals(e.stateEnteredEventDetails().name()));
            if (entered) {
                return;
            }
            if (sfn.describeExecution(r -> r.executionArn(arn)).status() != ExecutionStatus.RUNNING) {
                throw new AssertionError("execution ended before entering " + stateName);
            }
            sleep(100);
        }
        throw new AssertionError("execution did not enter " + stateName + " within 3 minutes");
    }

    /**
     * The most UTF-8 bytes of any state's input or output, task result, execution input or output
     * in the execution's history (as scripts/bench.py's payload_bytes measures it).
     */
    int largestPayload(String arn) {
        int most = 0;
        for (var e : sfn.getExecutionHistoryPaginator(r -> r.executionArn(arn)).events()) {
            for (String text : java.util.Arrays.asList(
                    e.stateEnteredEventDetails() == null ? null : e.stateEnteredEventDetails().input(),
                    e.stateExitedEventDetails() == null ? null : e.stateExitedEventDetails().output(),
                    e.taskSucceededEventDetails() == null ? null : e.taskSucceededEventDetails().output(),
                    e.executionStartedEventDetails() == null ? null : e.executionStartedEventDetails().input(),
                    e.executionSucceededEventDetails() == null ? null : e.executionSucceededEventDetails().output())) {
                if (text != null) {
                    most = Math.max(most, text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
                }
            }
        }
        return most;
    }

    /** Stops the execution, as an operator would with StopExecution. */
    void stop(String arn) {
        sfn.stopExecution(r -> r.executionArn(arn).error("e2e.Stopped").cause("stopped by the test"));
    }

    /** Waits for the execution to end (at most 5 minutes). */
    DescribeExecutionResponse await(String arn) {
        return await(arn, Duration.ofMinutes(5));
    }

    /** Waits for the execution to end (at most {@code limit}). */
    DescribeExecutionResponse await(String arn, Duration limit) {
        Instant deadline = Instant.now().plus(limit);
        while (Instant.now().isBefore(deadline)) {
            DescribeExecutionResponse d = sfn.describeExecution(r -> r.executionArn(arn));
            if (d.status() != ExecutionStatus.RUNNING) {
                return d;
            }
            sleep(500);
        }
        throw new AssertionError("execution " + arn + " still running after " + limit);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
