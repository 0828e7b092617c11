package io.palisade.common.testkit;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/** Answers every request with one canned STS (query protocol) error and counts the requests. */
public final class CannedHttpClient implements SdkHttpClient {
    public final AtomicInteger requests = new AtomicInteger();
    private final int status;
    private final String code;

    public CannedHttpClient(int status, String code) {
        this.status = status;
        this.code = code;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                requests.incrementAndGet();
                String xml = "<ErrorResponse><Error><Type>Sender</Type><Code>" + code
                        + "</Code><Message>canned</Message></Error><RequestId>r</RequestId></ErrorResponse>";
                return HttpExecuteResponse.builder()
                        .response(SdkHttpResponse.builder().statusCode(status)
                                .putHeader("Content-Type", "text/xml").build())
                        .responseBody(AbortableInputStream.create(
                                new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))))
                        .build();
            }

            @Override
            public void abort() {}
        };
    }

    @Override
    public void close() {}
}

