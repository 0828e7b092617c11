#!/usr/bin/env python3
"""Proves scripts/harness/fault_proxy.py (the fault-injecting HTTPS proxy in front of moto).

  python3 scripts/harness/test_fault_proxy.py                  (standard library only)
  .palisade/venv/bin/python scripts/harness/test_fault_proxy.py   (also checks how botocore parses the faults)

Makes a throwaway CA + localhost certificate with the openssl CLI in a temp dir, runs a tiny TLS upstream (records
every request it gets) in this process and the proxy as a subprocess, both on free ports, then drives the proxy with
raw http.client requests shaped like the AWS protocols. Ends with "N passed, M failed"; exit status != 0 on failure.
"""
import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import types
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True  # no __pycache__ in the repo
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness_testkit import aws_client, check, eq, free_port, launch, make_tls, stop, summary  # noqa: E402

PROXY = os.path.join(HERE, "fault_proxy.py")
T0 = time.time()


# --- the upstream (stands in for moto) ------------------------------------------

UPSTREAM_LOG = []  # (method, path, [(header, value)], body)
UPSTREAM_LOCK = threading.Lock()

LIST_USERS_XML = (b'<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult>'
                  b"<IsTruncated>false</IsTruncated><Users/></ListUsersResult><ResponseMetadata>"
                  b"<RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></ListUsersResponse>")


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or ""):  # the proxy must never send this
            body = b"UPSTREAM-GOT-CHUNKED"
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with UPSTREAM_LOCK:
            UPSTREAM_LOG.append((self.command, self.path, list(self.headers.items()), body))
        path = self.path
        if self.command == "HEAD":
            self.send_response(200)
            self.send_header("Content-Length", "1234")
            self.send_header("X-Upstream", "head")
            self.end_headers()
            return
        if path.startswith("/slow"):
            time.sleep(0.5)
        if path.startswith("/chunked-response"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if b"Action=ListUsers" in body:
            out, ctype, status = LIST_USERS_XML, "text/xml", 200
        else:
            out = json.dumps({"method": self.command, "path": path, "body": base64.b64encode(body).decode(),
                              "headers": list(self.headers.items())}).encode()
            ctype, status = "application/json", int(self.headers.get("X-Want-Status") or 200)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("X-Upstream", "yes")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET


def upstream_count():
    with UPSTREAM_LOCK:
        return len(UPSTREAM_LOG)


def upstream_since(n):
    with UPSTREAM_LOCK:
        return UPSTREAM_LOG[n:]


# --- client helpers ----------------------------------------------------------------

class Env:
    port = None
    ctx = None
    tls = None
    stats_file = None
    log_file = None


def conn():
    return http.client.HTTPSConnection("localhost", Env.port, context=Env.ctx, timeout=15)


def call(method, path, body=None, headers=None, c=None):
    own = c is None
    c = c or conn()
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, r, data
    finally:
        if own:
            c.close()


def control(cfg=None):
    if cfg is None:
        status, _, data = call("GET", "/__palisade/faults")
    else:
        status, _, data = call("POST", "/__palisade/faults", json.dumps(cfg).encode(),
                               {"Content-Type": "application/json"})
    return status, json.loads(data)


def settings(**cfg):
    status, snap = control(cfg)
    eq(status, 200, f"control POST {cfg}")
    return snap


def auth(service):
    return (f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/{service}/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature=0123abcd")


def query_call(service, action, extra="", c=None):
    body = f"Action={action}&Version=2010-05-08{extra}".encode()
    return call("POST", "/", body, {"Authorization": auth(service), "X-Amz-Date": "20260101T000000Z",
                                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, c)


JSON_TARGETS = {"organizations": "AWSOrganizationsV20161128", "kms": "TrentService", "secretsmanager":
                "secretsmanager", "logs": "Logs_20140328", "events": "AWSEvents",
                "cloudtrail": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", "states": "AWSStepFunctions"}


def json_call(service, op, version="1.1", signed=True):
    headers = {"X-Amz-Target": f"{JSON_TARGETS[service]}.{op}", "Content-Type": f"application/x-amz-json-{version}"}
    if signed:
        headers["Authorization"] = auth(service)
    return call("POST", "/", b'{"Name": "x"}', headers)


def rest_json_call(method, path, body=None):
    """Access Analyzer's restJson1: no X-Amz-Target, the operation is the route."""
    return call(method, path, body, {"Authorization": auth("access-analyzer"), "Content-Type": "application/json"})


def assert_rest_json_error(resp, status, code):
    st, r, data = resp
    eq(st, status, "status")
    eq(r.getheader("Content-Type"), "application/json", "Content-Type")
    eq(r.getheader("x-amzn-ErrorType"), code, "x-amzn-ErrorType")
    assert r.getheader("x-amzn-RequestId"), "x-amzn-RequestId missing"
    assert json.loads(data)["message"], data


def cbor_decode_map(data):
    """Just enough CBOR for the proxy's error bodies: a map of text strings."""
    def length(pos, info):
        if info < 24:
            return info, pos
        size = {24: 1, 25: 2, 26: 4}[info]
        return int.from_bytes(data[pos:pos + size], "big"), pos + size

    def text(pos):
        assert data[pos] >> 5 == 3, f"not a text string at {pos}: {data!r}"
        n, pos = length(pos + 1, data[pos] & 31)
        return data[pos:pos + n].decode(), pos + n
    assert data[0] >> 5 == 5, f"not a map: {data!r}"
    count, pos = length(1, data[0] & 31)
    out = {}
    for _ in range(count):
        key, pos = text(pos)
        out[key], pos = text(pos)
    eq(pos, len(data), "CBOR length")
    return out


def s3_call(method, path, body=None):
    headers = {"Authorization": auth("s3"), "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
    return call(method, path, body, headers)


def xml_error(data):
    root = ET.fromstring(data)
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if root.tag == ns + "ErrorResponse":
        err = root.find(ns + "Error")
        return {"root": "ErrorResponse", "ns": ns.strip("{}"), "type": err.findtext(ns + "Type"),
                "code": err.findtext(ns + "Code"), "message": err.findtext(ns + "Message"),
                "requestId": root.findtext(ns + "RequestId")}
    eq(root.tag, "Error", "XML root")
    return {"root": "Error", "code": root.findtext("Code"), "message": root.findtext("Message"),
            "requestId": root.findtext("RequestId")}


def assert_query_error(resp, status, code, typ, ns="https://iam.amazonaws.com/doc/2010-05-08/"):
    st, r, data = resp
    eq(st, status, "status")
    eq(r.getheader("Content-Type"), "text/xml", "Content-Type")
    e = xml_error(data)
    eq((e["root"], e["code"], e["type"], e["ns"]), ("ErrorResponse", code, typ, ns))
    assert e["message"] and len(e["requestId"]) == 36, e
    eq(r.getheader("x-amzn-RequestId"), e["requestId"], "x-amzn-RequestId header")


def assert_json_error(resp, status, code, version="1.1"):
    st, r, data = resp
    eq(st, status, "status")
    eq(r.getheader("Content-Type"), f"application/x-amz-json-{version}", "Content-Type")
    eq(r.getheader("x-amzn-ErrorType"), code, "x-amzn-ErrorType")
    assert r.getheader("x-amzn-RequestId"), "x-amzn-RequestId missing"
    doc = json.loads(data)
    eq(doc["__type"], code, "__type")
    assert doc["message"], doc


def assert_s3_error(resp, status, code):
    st, r, data = resp
    eq(st, status, "status")
    eq(r.getheader("Content-Type"), "application/xml", "Content-Type")
    assert data.startswith(b"<?xml"), data
    e = xml_error(data)
    eq((e["root"], e["code"]), ("Error", code))
    eq(r.getheader("x-amz-request-id"), e["requestId"], "x-amz-request-id header")


def fault_lines():
    with open(Env.log_file) as f:
        return [line for line in f if "injected" in line]


# --- checks ------------------------------------------------------------------------

def passthrough_checks():
    settings(rate=0.0, reset=True, rules=[])

    def post_echo():
        n = upstream_count()
        body = bytes(range(256)) * 5
        st, r, data = call("POST", "/echo/a%20b?x=1&y=%2F", body, {
            "X-Custom": "abc", "Connection": "keep-alive, X-Drop-Me", "Keep-Alive": "timeout=5", "X-Drop-Me": "1",
            "Content-Type": "application/octet-stream", "X-Want-Status": "202", "Authorization": auth("iam")})
        eq(st, 202)
        eq(r.getheader("X-Upstream"), "yes")
        echo = json.loads(data)
        eq((echo["method"], echo["path"]), ("POST", "/echo/a%20b?x=1&y=%2F"))
        eq(base64.b64decode(echo["body"]), body, "body")
        got = upstream_since(n)
        eq(len(got), 1, "upstream requests")
        h = {k.lower(): v for k, v in got[0][2]}
        eq(h.get("host"), f"localhost:{Env.port}", "Host as sent by the client")
        eq((h.get("x-custom"), h.get("content-length"), h.get("authorization")), ("abc", str(len(body)), auth("iam")))
        for hop in ("connection", "keep-alive", "x-drop-me", "transfer-encoding"):
            assert hop not in h, f"hop-by-hop header {hop} forwarded: {h}"
    check("passthrough: method, path+query, headers (Host kept, hop-by-hop dropped), body, status", post_echo)

    def chunked_request():
        n = upstream_count()
        c = conn()
        try:
            c.request("PUT", "/bucket/chunked-key", body=iter([b"abc", b"", b"defg", b"\x00\xff" * 5000]),
                      headers={"Transfer-Encoding": "chunked", "Authorization": auth("s3")}, encode_chunked=True)
            r = c.getresponse()
            r.read()
            eq(r.status, 200)
        finally:
            c.close()
        (method, path, headers, body), = upstream_since(n)
        h = {k.lower(): v for k, v in headers}
        eq((method, path, body), ("PUT", "/bucket/chunked-key", b"abcdefg" + b"\x00\xff" * 5000))
        eq(h.get("content-length"), str(7 + 10000), "Content-Length")
        assert "transfer-encoding" not in h, h
    check("passthrough: chunked request body de-chunked, forwarded with Content-Length", chunked_request)

    def head_and_keepalive():
        c = conn()
        try:
            st, r, data = call("HEAD", "/bucket/key", None, {"Authorization": auth("s3")}, c)
            eq((st, data, r.getheader("Content-Length"), r.getheader("X-Upstream")), (200, b"", "1234", "head"))
            # the same connection must still be in sync (no stray body bytes after a HEAD)
            st, r, data = call("GET", "/after-head", None, {}, c)
            eq((st, json.loads(data)["path"]), (200, "/after-head"))
            st, r, data = call("DELETE", "/bucket/key", None, {"Authorization": auth("s3")}, c)
            eq((st, json.loads(data)["method"]), (200, "DELETE"))
        finally:
            c.close()
    check("passthrough: HEAD has no body (Content-Length kept), keep-alive connection stays in sync",
          head_and_keepalive)

    def chunked_response():
        st, r, data = call("GET", "/chunked-response")
        eq((st, data, r.getheader("Transfer-Encoding"), r.getheader("Content-Length")),
           (200, b"hello chunked world", None, "19"))
    check("passthrough: chunked upstream response relayed (with Content-Length)", chunked_response)

    def errors_untouched():
        st, r, data = call("GET", "/missing", None, {"X-Want-Status": "404"})
        eq((st, json.loads(data)["path"]), (404, "/missing"))
    check("passthrough: upstream error statuses relayed untouched at rate 0", errors_untouched)

    def big_body():
        body = os.urandom(3 * 1024 * 1024)
        st, r, data = call("PUT", "/bucket/big", body, {"Authorization": auth("s3")})
        eq((st, base64.b64decode(json.loads(data)["body"]) == body), (200, True))
    check("passthrough: 3 MiB body intact", big_body)

    def empty_post():
        n = upstream_count()
        st, _, _ = call("POST", "/empty", b"", {})
        (_, _, headers, body), = upstream_since(n)
        eq((st, body, {k.lower(): v for k, v in headers}.get("content-length")), (200, b"", "0"))
    check("passthrough: empty POST body forwarded with Content-Length: 0", empty_post)

    def connection_close():
        c = conn()
        try:
            st, r, _ = call("GET", "/bye", None, {"Connection": "close"}, c)
            eq((st, r.getheader("Connection")), (200, "close"))
        finally:
            c.close()
    check("passthrough: client Connection: close honoured and announced", connection_close)


def shape_checks():
    def throttle():
        settings(rate=1.0, kinds=["throttle"], reset=True, rules=[])
        n = upstream_count()
        assert_query_error(query_call("iam", "CreateUser", "&UserName=u1"), 400, "Throttling", "Sender")
        assert_query_error(query_call("sts", "GetCallerIdentity"), 400, "Throttling", "Sender",
                           "https://sts.amazonaws.com/doc/2011-06-15/")
        assert_query_error(query_call("monitoring", "PutMetricData"), 400, "Throttling", "Sender",
                           "http://monitoring.amazonaws.com/doc/2010-08-01/")
        assert_query_error(query_call("sns", "Publish"), 400, "Throttling", "Sender",
                           "http://sns.amazonaws.com/doc/2010-03-31/")
        assert_json_error(json_call("organizations", "CreateAccount"), 400, "TooManyRequestsException")
        for svc in ("kms", "secretsmanager", "logs", "events", "cloudtrail"):
            assert_json_error(json_call(svc, "Describe"), 400, "ThrottlingException")
        assert_json_error(json_call("states", "StartExecution", version="1.0"), 400, "ThrottlingException", "1.0")
        # CloudWatch over JSON 1.0 (awsQueryCompatible, as botocore speaks it): query code in x-amzn-query-error
        st, r, data = call("POST", "/", b"{}", {"Authorization": auth("monitoring"), "x-amzn-query-mode": "true",
                                                "X-Amz-Target": "GraniteServiceVersion20100801.PutMetricData",
                                                "Content-Type": "application/x-amz-json-1.0"})
        eq((st, json.loads(data)["__type"], r.getheader("x-amzn-query-error")),
           (400, "ThrottlingException", "Throttling;Sender"))
        eq(json_call("kms", "ListKeys")[1].getheader("x-amzn-query-error"), None, "no query-error header for kms")
        # CloudWatch over RPC v2 CBOR
        st, r, data = call("POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData", b"\xa0",
                           {"Authorization": auth("monitoring"), "smithy-protocol": "rpc-v2-cbor",
                            "Content-Type": "application/cbor", "Accept": "application/cbor"})
        eq((st, r.getheader("Content-Type"), r.getheader("smithy-protocol"), r.getheader("x-amzn-query-error")),
           (400, "application/cbor", "rpc-v2-cbor", "Throttling;Sender"))
        doc = cbor_decode_map(data)
        eq(doc["__type"], "ThrottlingException")
        assert doc["message"], doc
        # restJson1 (Access Analyzer): the code in x-amzn-ErrorType, 429 with Retry-After, never an S3 XML body
        resp = rest_json_call("PUT", "/analyzer", b'{"analyzerName": "a", "type": "ORGANIZATION"}')
        assert_rest_json_error(resp, 429, "ThrottlingException")
        eq(resp[1].getheader("Retry-After"), "1", "Retry-After")
        # restJson1 (Security Hub): the same shape, its 429 is TooManyRequestsException
        st, r, data = call("POST", "/standards/register", b"{}", {"Authorization": auth("securityhub"),
                                                                   "Content-Type": "application/json"})
        eq((st, r.getheader("x-amzn-ErrorType"), r.getheader("Content-Type"), r.getheader("Retry-After")),
           (429, "TooManyRequestsException", "application/json", "1"))
        assert "message" in json.loads(data), data
        assert_s3_error(s3_call("PUT", "/bucket/key", b"data"), 503, "SlowDown")
        st, r, data = s3_call("HEAD", "/bucket")
        eq((st, data, r.getheader("Content-Length")), (503, b"", "0"))
        eq(upstream_count(), n, "throttled requests reaching the upstream")
    check("throttle: query XML / JSON 1.x / CBOR / S3 shapes per service, HEAD empty, nothing forwarded", throttle)

    def error5xx():
        settings(rate=1.0, kinds=["error5xx"], seed=3, reset=True)
        n = upstream_count()
        seen = set()
        for _ in range(16):
            st, r, data = query_call("iam", "CreateUser")
            e = xml_error(data)
            seen.add((st, e["code"], e["type"]))
        eq(seen, {(500, "InternalFailure", "Receiver"), (503, "ServiceUnavailable", "Receiver")}, "iam 5xx")
        seen = set()
        for _ in range(16):
            st, r, data = json_call("organizations", "CreateAccount")
            seen.add((st, json.loads(data)["__type"], r.getheader("x-amzn-ErrorType")))
        eq(seen, {(500, "ServiceException", "ServiceException"),
                  (503, "ServiceUnavailableException", "ServiceUnavailableException")}, "organizations 5xx")
        st, r, data = json_call("kms", "CreateKey")
        eq(json.loads(data)["__type"], {500: "InternalFailure", 503: "ServiceUnavailableException"}[st])
        assert_s3_error(s3_call("GET", "/bucket/key"), 500, "InternalError")
        st, r, data = s3_call("HEAD", "/bucket/key")
        eq((st, data), (500, b""))
        eq(upstream_count(), n, "5xx requests reaching the upstream")
    check("error5xx: 500/503 with the protocol's codes, nothing forwarded", error5xx)

    def lost():
        settings(rate=1.0, kinds=["lost"], reset=True)
        n = upstream_count()
        assert_query_error(query_call("iam", "CreateUser", "&UserName=lost-user"), 500, "InternalFailure", "Receiver")
        got = upstream_since(n)
        eq(len(got), 1, "upstream requests for one lost call")
        assert b"UserName=lost-user" in got[0][3], got[0]
        assert_json_error(json_call("organizations", "CreateAccount"), 500, "ServiceException")
        assert_json_error(json_call("secretsmanager", "PutSecretValue"), 500, "InternalFailure")
        assert_s3_error(s3_call("PUT", "/bucket/lost-key", b"payload"), 500, "InternalError")
        got = upstream_since(n)
        eq([(m, p, b) for m, p, _, b in got[1:]], [("POST", "/", b'{"Name": "x"}'), ("POST", "/", b'{"Name": "x"}'),
                                                   ("PUT", "/bucket/lost-key", b"payload")])
    check("lost: forwarded exactly once, caller gets the protocol's 500", lost)

    def detection():
        settings(rate=1.0, kinds=["throttle"], reset=True)
        # unsigned JSON call: service from the X-Amz-Target prefix
        assert_json_error(json_call("organizations", "ListAccounts", signed=False), 400, "TooManyRequestsException")
        # Action in the query string, no body
        st, r, data = call("GET", "/?Action=ListRoles&Version=2010-05-08", None, {"Authorization": auth("iam")})
        eq((st, xml_error(data)["code"]), (400, "Throttling"))
        # presigned S3 URL (X-Amz-Credential), virtual-hosted bucket
        st, r, data = call("GET", "/key?X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request",
                           None, {"Host": f"mybucket.localhost:{Env.port}"})
        eq((st, xml_error(data)["code"]), (503, "SlowDown"))
        # unsigned CBOR call: service from the /service/<shape>/ path segment
        st, r, data = call("POST", "/service/GraniteServiceVersion20100801/operation/GetMetricData", b"\xa0",
                           {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"})
        eq((st, cbor_decode_map(data)["__type"]), (400, "ThrottlingException"))
        # restJson1: the operation from the route (a rule can name CreateAnalyzer)
        rest_json_call("GET", "/analyzer/org-palisade-organization")
        rest_json_call("GET", "/analyzer?type=ORGANIZATION")
        _, snap = control()
        ops = [(e["service"], e["operation"]) for e in snap["recent"]]
        eq(ops, [("organizations", "ListAccounts"), ("iam", "ListRoles"), ("s3", "GET /mybucket/key"),
                 ("monitoring", "GetMetricData"), ("access-analyzer", "GetAnalyzer"),
                 ("access-analyzer", "ListAnalyzers")])
    check("service/operation detection: X-Amz-Target prefix, query-string Action, presigned + virtual host, "
          "RPC v2 path, REST JSON route", detection)


def rule_checks():
    def query_rule():
        settings(rate=0.0, reset=True, rules=[{"service": "iam", "operation": "DeleteUser", "fault": "AccessDenied",
                                               "count": 2}])
        n = upstream_count()
        assert_query_error(query_call("iam", "DeleteUser"), 403, "AccessDenied", "Sender")
        eq(query_call("iam", "CreateUser")[0], 200, "non-matching operation")
        eq(query_call("sts", "DeleteUser")[0], 200, "non-matching service")
        assert_query_error(query_call("iam", "DeleteUser"), 403, "AccessDenied", "Sender")
        eq(query_call("iam", "DeleteUser")[0], 200, "third DeleteUser (count exhausted)")
        eq(len(upstream_since(n)), 3, "forwarded")
        _, snap = control()
        eq((snap["rules"][0]["count"], snap["rules"][0]["hits"], snap["injected"].get("AccessDenied")), (0, 2, 2))
    check("rule: count=2 AccessDenied on iam DeleteUser (query shape 403 Sender), then passes", query_rule)

    def json_rule_always():
        settings(rules=[{"service": "organizations", "operation": "CreateAccount", "fault": "AccessDenied",
                         "count": -1}], reset=True)
        for _ in range(3):
            assert_json_error(json_call("organizations", "CreateAccount"), 403, "AccessDeniedException")
        eq(json_call("organizations", "ListAccounts")[0], 200)
    check("rule: count=-1 AccessDenied on organizations -> AccessDeniedException every time", json_rule_always)

    def kinds_and_globs():
        settings(rules=[{"service": "s3", "operation": "PUT /bucket/*", "fault": "throttle", "count": 1},
                        {"service": "iam", "operation": "Create*", "fault": "lost", "count": 1},
                        {"operation": "Tag*", "fault": "NoSuchEntity", "status": 404, "message": "gone"}], reset=True)
        n = upstream_count()
        assert_s3_error(s3_call("PUT", "/bucket/a", b"x"), 503, "SlowDown")
        eq(s3_call("PUT", "/bucket/a", b"x")[0], 200)
        assert_query_error(query_call("iam", "CreateRole"), 500, "InternalFailure", "Receiver")
        st, r, data = query_call("iam", "TagRole")
        e = xml_error(data)
        eq((st, e["code"], e["type"], e["message"]), (404, "NoSuchEntity", "Sender", "gone"))
        assert_json_error(json_call("kms", "TagResource"), 404, "NoSuchEntity")
        eq([(m, p) for m, p, _, _ in upstream_since(n)], [("PUT", "/bucket/a"), ("POST", "/")])
    check("rule: throttle / lost / custom code+status, fnmatch globs, service wildcard", kinds_and_globs)

    def rules_beat_rate():
        settings(rate=1.0, kinds=["throttle"], rules=[{"service": "iam", "fault": "lost", "count": -1}], reset=True)
        assert_query_error(query_call("iam", "ListUsers"), 500, "InternalFailure", "Receiver")
        _, snap = control()
        eq(snap["injected"], {"throttle": 0, "error5xx": 0, "lost": 1})
        settings(rules=[], rate=0.0)
    check("rule: applies regardless of rate (rule wins over the random draw)", rules_beat_rate)


def control_checks():
    def moto_api():
        settings(rate=1.0, kinds=["throttle", "error5xx"], rules=[{"fault": "throttle"}], reset=True)
        n = upstream_count()
        st, r, data = call("GET", "/moto-api/data.json")
        eq((st, json.loads(data)["path"]), (200, "/moto-api/data.json"))
        st, r, data = call("POST", "/moto-api/reset", b"", {})
        eq(st, 200)
        eq(len(upstream_since(n)), 2)
        _, snap = control()
        eq((snap["requests"], snap["injected"], snap["byService"]),
           (0, {"throttle": 0, "error5xx": 0, "lost": 0}, {}))
        settings(rules=[], rate=0.0)
    check("/moto-api: forwarded untouched at rate 1.0 with a catch-all rule, not counted", moto_api)

    def stats():
        settings(rate=0.0, reset=True, rules=[{"service": "iam", "operation": "GetUser", "fault": "throttle",
                                               "count": 1}])
        lines = len(fault_lines())
        query_call("iam", "GetUser")
        query_call("iam", "GetUser")
        json_call("kms", "ListKeys")
        settings(rate=1.0, kinds=["lost"])
        s3_call("PUT", "/bucket/k", b"v")
        _, snap = control()
        eq((snap["rate"], snap["requests"], snap["injected"]), (1.0, 4, {"throttle": 1, "error5xx": 0, "lost": 1}))
        eq(snap["byService"], {"iam": {"requests": 2, "injected": 1, "operations": {"GetUser": 2}},
                               "kms": {"requests": 1, "injected": 0, "operations": {"ListKeys": 1}},
                               "s3": {"requests": 1, "injected": 1, "operations": {"PUT /bucket/k": 1}}})
        eq([(e["service"], e["operation"], e["kind"], e["status"], e["code"]) for e in snap["recent"]],
           [("iam", "GetUser", "throttle", 400, "Throttling"), ("s3", "PUT /bucket/k", "lost", 500, "InternalError")])
        with open(Env.stats_file) as f:
            eq(json.load(f), snap, "stats file")
        time.sleep(0.1)
        new = fault_lines()[lines:]
        eq(len(new), 2, f"fault log lines {new}")
        assert "throttle" in new[0] and "iam" in new[0] and "GetUser" in new[0], new
        snap = settings(reset=True, rate=0.0)
        eq((snap["requests"], snap["injected"], snap["byService"], snap["recent"]),
           (0, {"throttle": 0, "error5xx": 0, "lost": 0}, {}, []))
        with open(Env.stats_file) as f:
            eq(json.load(f)["requests"], 0, "stats file after reset")
    check("stats: counters, byService, recent, stats file == GET, one log line per fault, reset", stats)

    def validation():
        before = control()[1]
        for bad in ({"rate": 2}, {"rate": "x"}, {"kinds": ["bogus"]}, {"kinds": []}, {"bogus": 1},
                    {"rules": [{"service": "iam"}]}, {"rules": "nope"}):
            st, body = control(bad)
            eq(st, 400, f"POST {bad}")
            assert body.get("error"), body
        eq(control()[1], before, "settings unchanged by rejected POSTs")
        st, _, data = call("POST", "/__palisade/faults", b"{not json", {})
        eq(st, 400)
        st, _, _ = call("DELETE", "/__palisade/faults")
        eq(st, 405)
    check("control: invalid settings rejected with 400 and change nothing", validation)

    def seeded():
        def run():
            settings(rate=0.5, kinds={"throttle": 1, "error5xx": 1}, seed=42, reset=True)
            return [query_call("iam", "ListUsers")[0] for _ in range(24)]
        first, second = run(), run()
        eq(first, second, "same seed, same sequence")
        assert set(first) > {200}, first
        settings(rate=0.0)
    check("seed: same seed + same request order -> same fault sequence", seeded)

    def concurrent():
        settings(rate=0.5, kinds=["throttle", "error5xx", "lost"], seed=None, reset=True)
        n = upstream_count()
        statuses, lock = [], threading.Lock()

        def worker():
            c = conn()
            try:
                for _ in range(6):
                    st, _, _ = query_call("iam", "ListUsers", c=c)
                    with lock:
                        statuses.append(st)
            finally:
                c.close()
        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        _, snap = control()
        inj = snap["injected"]
        eq((len(statuses), snap["requests"]), (96, 96))
        assert set(statuses) <= {200, 400, 500, 503}, statuses
        eq(statuses.count(200), 96 - sum(inj.values()), "successes")
        eq(len(upstream_since(n)), 96 - inj["throttle"] - inj["error5xx"], "upstream = passed + lost")
        settings(rate=0.0)
    check("concurrency: 16 keep-alive clients x 6 calls at rate 0.5, counters consistent", concurrent)

    def disconnects():
        raw = socket.create_connection(("127.0.0.1", Env.port))  # TCP only, no TLS
        raw.close()
        raw = socket.create_connection(("127.0.0.1", Env.port))
        raw.sendall(b"GET / HTTP/1.1\r\n\r\n")  # plaintext on a TLS port
        raw.close()
        s = Env.ctx.wrap_socket(socket.create_connection(("127.0.0.1", Env.port)), server_hostname="localhost")
        s.sendall(b"PUT /bucket/k HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n0123456789")
        s.close()  # mid-body
        s = Env.ctx.wrap_socket(socket.create_connection(("127.0.0.1", Env.port)), server_hostname="localhost")
        s.sendall(b"GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
        s.close()  # before the (slow) answer
        s = Env.ctx.wrap_socket(socket.create_connection(("127.0.0.1", Env.port)), server_hostname="localhost")
        s.sendall(b"POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        eq(s.recv(100).split(b"\r\n")[0], b"HTTP/1.1 400 Bad Request")  # bad chunk size -> 400, not a crash
        s.close()
        time.sleep(0.7)
        eq(call("GET", "/still-alive")[0], 200)
        eq(Env.proc.poll(), None, "proxy process still running")
    check("robustness: TCP-only, plaintext, mid-body, before-answer disconnects and bad chunking survived",
          disconnects)


def upstream_down_check():
    def down():
        port = free_port()
        log = open(Env.log_file + ".down", "w")
        proc = subprocess.Popen([sys.executable, PROXY, "--listen-port", str(port), "--upstream",
                                 f"https://localhost:{free_port()}", "--cert", Env.tls["cert"], "--key", Env.tls["key"],
                                 "--ca", Env.tls["ca"], "--rate", "1", "--kinds", "lost"], stdout=log, stderr=log)
        try:
            for _ in range(100):
                try:
                    c = http.client.HTTPSConnection("localhost", port, context=Env.ctx, timeout=5)
                    c.request("GET", "/moto-api/")
                    r = c.getresponse()
                    st, body = r.status, r.read()
                    break
                except OSError:
                    time.sleep(0.1)
            eq((st, body.startswith(b"fault proxy: upstream error")), (502, True), "moto-api with the upstream down")
            c.request("POST", "/", b"Action=CreateUser",
                      {"Authorization": auth("iam"), "Content-Type": "application/x-www-form-urlencoded"})
            eq(c.getresponse().status, 502, "lost with the upstream down")
            c.close()
            eq(proc.poll(), None, "proxy still running")
        finally:
            stop(proc)
            log.close()
    check("upstream down: 502 (also for a 'lost' pick), proxy keeps running", down)


def botocore_checks():
    try:
        import boto3  # noqa: F401  (aws_client's)
        from botocore.exceptions import ClientError
        from botocore.retries.standard import RetryContext, StandardRetryConditions
    except ImportError:
        print("SKIP botocore checks (botocore not importable; run with .palisade/venv/bin/python for them)")
        return
    url = f"https://localhost:{Env.port}"

    def client(service, attempts=1):
        return aws_client(service, url, Env.tls["ca"], retries={"mode": "standard", "total_max_attempts": attempts},
                          s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=15)

    def error_of(c, op, **kw):
        try:
            getattr(c, op)(**kw)
        except ClientError as e:
            status = e.response["ResponseMetadata"]["HTTPStatusCode"]
            ctx = RetryContext(attempt_number=1, operation_model=c.meta.service_model.operation_model(
                c.meta.method_to_api_mapping[op]), parsed_response=e.response,
                http_response=types.SimpleNamespace(status_code=status))
            return e.response["Error"]["Code"], status, StandardRetryConditions(max_attempts=3).is_retryable(ctx)
        raise AssertionError(f"{op} did not fail")

    cases = [  # (service, operation, kwargs, fault, expected (code, status, retryable by botocore standard mode))
        ("iam", "list_users", {}, "throttle", ("Throttling", 400, True)),
        ("iam", "create_user", {"UserName": "u"}, "lost", ("InternalFailure", 500, True)),
        ("iam", "delete_user", {"UserName": "u"}, "AccessDenied", ("AccessDenied", 403, False)),
        ("sts", "get_caller_identity", {}, "throttle", ("Throttling", 400, True)),
        ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": 1.0}]},
         "throttle", ("Throttling", 400, True)),  # botocore speaks JSON 1.0 + x-amzn-query-mode to CloudWatch
        ("sns", "list_topics", {}, "throttle", ("Throttling", 400, True)),
        ("organizations", "describe_organization", {}, "throttle", ("TooManyRequestsException", 400, True)),
        ("organizations", "create_account", {"Email": "a@example.com", "AccountName": "a"}, "lost",
         ("ServiceException", 500, True)),
        ("organizations", "list_accounts", {}, "AccessDenied", ("AccessDeniedException", 403, False)),
        ("kms", "list_keys", {}, "throttle", ("ThrottlingException", 400, True)),
        ("secretsmanager", "list_secrets", {}, "throttle", ("ThrottlingException", 400, True)),
        ("logs", "describe_log_groups", {}, "throttle", ("ThrottlingException", 400, True)),
        ("events", "list_rules", {}, "throttle", ("ThrottlingException", 400, True)),
        ("cloudtrail", "describe_trails", {}, "throttle", ("ThrottlingException", 400, True)),
        ("accessanalyzer", "list_analyzers", {}, "throttle", ("ThrottlingException", 429, True)),
        ("accessanalyzer", "create_analyzer", {"analyzerName": "a", "type": "ORGANIZATION"}, "lost",
         ("InternalServerException", 500, True)),
        ("accessanalyzer", "get_analyzer", {"analyzerName": "a"}, "AccessDenied",
         ("AccessDeniedException", 403, False)),
        ("s3", "head_bucket", {"Bucket": "b"}, "throttle", ("503", 503, True)),
        ("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": b"x"}, "throttle", ("SlowDown", 503, True)),
        ("s3", "get_object", {"Bucket": "b", "Key": "k"}, "error5xx", ("InternalError", 500, True)),
        ("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": b"x"}, "AccessDenied", ("AccessDenied", 403, False)),
    ]
    for service, op, kw, fault, expected in cases:
        def one(service=service, op=op, kw=kw, fault=fault, expected=expected):
            c = client(service)
            settings(rate=0.0, reset=True, rules=[{"fault": fault, "count": -1}])
            eq(error_of(c, op, **kw), expected, f"{service}.{op} {fault}")
        check(f"botocore: {service}.{op} with {fault} -> {expected[0]} {expected[1]} "
              f"{'retryable' if expected[2] else 'not retryable'}", one)

    def cbor_parser():
        from botocore.parsers import RpcV2CBORParser
        settings(rate=0.0, reset=True, rules=[{"service": "monitoring", "fault": "throttle", "count": 1},
                                              {"service": "monitoring", "fault": "AccessDenied", "count": 1}])
        got = []
        for _ in range(2):
            st, r, data = call("POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData", b"\xa0",
                               {"Authorization": auth("monitoring"), "smithy-protocol": "rpc-v2-cbor",
                                "Content-Type": "application/cbor"})
            parsed = RpcV2CBORParser().parse(
                {"status_code": st, "headers": {k.lower(): v for k, v in r.getheaders()}, "body": data}, None)
            got.append((st, parsed["Error"]["Code"], parsed["Error"].get("QueryErrorCode"), parsed["Error"]["Type"]))
        eq(got, [(400, "Throttling", "ThrottlingException", "Sender"),
                 (403, "AccessDenied", "AccessDeniedException", "Sender")])
        settings(rules=[])
    check("botocore: RPC v2 CBOR error bodies parse (CloudWatch: query code from x-amzn-query-error)", cbor_parser)

    def error5xx_query():
        c = client("iam")
        settings(rate=1.0, kinds=["error5xx"], seed=5, reset=True, rules=[])
        got = {error_of(c, "list_roles") for _ in range(12)}
        eq(got, {("InternalFailure", 500, True), ("ServiceUnavailable", 503, True)})
        settings(rate=0.0)
    check("botocore: iam error5xx -> InternalFailure 500 / ServiceUnavailable 503, retryable", error5xx_query)

    def retried_through():
        settings(rate=0.0, reset=True, rules=[{"service": "iam", "operation": "ListUsers", "fault": "lost",
                                               "count": 1}])
        n = upstream_count()
        eq(client("iam", attempts=3).list_users()["Users"], [])
        eq([b"Action=ListUsers" in body for _, _, _, body in upstream_since(n)], [True, True], "upstream calls")
        settings(rules=[])
    check("botocore: a lost ListUsers is retried and succeeds; the upstream saw it twice", retried_through)


def main():
    tmp = tempfile.mkdtemp(prefix="fault-proxy-test-")
    Env.tls = make_tls(tmp)
    Env.ctx = ssl.create_default_context(cafile=Env.tls["ca"])
    up_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    up_ctx.load_cert_chain(Env.tls["cert"], Env.tls["key"])
    upstream = ThreadingHTTPServer(("127.0.0.1", free_port()), Upstream)
    upstream.daemon_threads = True
    upstream.socket = up_ctx.wrap_socket(upstream.socket, server_side=True)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()

    Env.port = free_port()
    Env.stats_file = os.path.join(tmp, "faults.json")
    Env.log_file = os.path.join(tmp, "proxy.log")
    Env.proc = None
    try:
        Env.proc = launch(
            [sys.executable, PROXY, "--listen-port", str(Env.port), "--upstream",
             f"https://localhost:{upstream.server_address[1]}", "--cert", Env.tls["cert"], "--key", Env.tls["key"],
             "--ca", Env.tls["ca"], "--rate", "0", "--seed", "7", "--stats-file", Env.stats_file],
            Env.log_file, f"https://localhost:{Env.port}", "/__palisade/faults", ctx=Env.ctx, interval=0.1, tries=100,
            name="proxy")

        def startup():
            with open(Env.stats_file) as f:
                eq((json.load(f)["rate"], control()[1]["seed"]), (0.0, 7))
        check("startup: CLI flags applied, stats file written", startup)
        passthrough_checks()
        shape_checks()
        rule_checks()
        control_checks()
        upstream_down_check()
        botocore_checks()
    finally:
        stop(Env.proc)
        upstream.shutdown()
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)
    print(f"({time.time() - T0:.1f}s)")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
