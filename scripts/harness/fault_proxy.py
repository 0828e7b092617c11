#!/usr/bin/env python3
"""Palisade fault-injecting HTTPS reverse proxy: sits between the phases (AWS SDK clients with an endpoint override)
and the local moto server, and answers a chosen share of the calls the way AWS does under load. Standard library only.

  fault_proxy.py --listen-port 5444 --upstream https://localhost:5443 --cert server.pem --key server.key --ca ca.pem \
                 [--rate 0.0] [--seed N] [--kinds throttle,error5xx,lost] [--stats-file faults.json]

FAULT KINDS (one is drawn, by weight, for each request selected with probability --rate):
  throttle  answered here, NOT forwarded: query 400 Throttling / JSON 400 ThrottlingException (organizations:
            TooManyRequestsException) / S3 503 SlowDown.
  error5xx  answered here, NOT forwarded: query 500 InternalFailure | 503 ServiceUnavailable; JSON 500 InternalFailure
            (organizations: ServiceException) | 503 ServiceUnavailableException; S3 500 InternalError.
  lost      forwarded (the change DOES happen in moto), moto's answer is discarded and the caller gets the protocol's
            500 - it cannot know that its call took effect (tests idempotency / "already exists" handling).
  --kinds takes names, optionally weighted: "throttle=2,lost=1" (default: the three, equal weights).

WIRE SHAPES (the SDK parses them to decide retryability):
  query (iam, sts, monitoring, sns, ... or any request with Action=):
      <ErrorResponse xmlns=..><Error><Type>Sender|Receiver</Type><Code/><Message/></Error><RequestId/></ErrorResponse>
      text/xml, x-amzn-RequestId header.
  JSON 1.0/1.1 (any request with X-Amz-Target or an x-amz-json Content-Type): {"__type": code, "message": ..},
      x-amzn-ErrorType + x-amzn-RequestId headers, Content-Type echoing the request's x-amz-json-1.x version.
  RPC v2 CBOR (smithy-protocol: rpc-v2-cbor, POST /service/<S>/operation/<Op>): the same map CBOR-encoded,
      Content-Type application/cbor. JSON and CBOR answers of former query services (CloudWatch, SQS, or a request
      with x-amzn-query-mode: true) also carry x-amzn-query-error: <query code>;Sender|Receiver, from which the SDKs
      take the error code (so CloudWatch throttling reads "Throttling" whichever protocol the SDK speaks).
  REST JSON (restJson1 services by signing name: Access Analyzer, Security Hub): {"message": ..}, the code in
      x-amzn-ErrorType, Content-Type application/json, x-amzn-RequestId; throttling is 429 with Retry-After
      (ThrottlingException; Security Hub: TooManyRequestsException) and a 5xx InternalServerException, as those
      services model them. The SDKs take the code from x-amzn-ErrorType. Operation: the route's name where
      REST_JSON_ROUTES has it, else "METHOD /path".
  S3 (and any other request that is neither): <?xml ..?><Error><Code/><Message/><RequestId/></Error>, application/xml,
      x-amz-request-id + x-amz-id-2 headers. A HEAD response never has a body (Content-Length: 0).

SERVICE / OPERATION: service = SigV4 credential scope of the Authorization header (or X-Amz-Credential of a presigned
URL), else the X-Amz-Target prefix, else the Host name, else "unknown". Operation = the X-Amz-Target suffix
(CreateAccount), the Action= of the form body or query string (CreateUser), for a REST JSON call its route's
operation (CreateAnalyzer) or else "METHOD /path", else for S3 and other REST calls "METHOD /path" plus a
value-less S3 sub-resource if any ("PUT /bucket/key", "PUT /bucket?policy").

CONTROL (same port, never forwarded, no auth: the proxy listens on 127.0.0.1 only by default):
  GET  /__palisade/faults  -> {"rate", "seed", "kinds", "requests", "injected": {"throttle", "error5xx", "lost",
                               <rule error codes>...}, "byService": {svc: {"requests", "injected", "operations": {op: requests}}}, "rules", "recent"}
  POST /__palisade/faults  {"rate": 0.2, "seed": 1, "kinds": [..] | {kind: weight}, "reset": true,
                            "rules": [..] (replaces), "addRules": [..] (appends)}  -> the new stats
  Rule: {"service": "iam", "operation": "DeleteUser", "fault": "AccessDenied", "count": -1}
        service/operation: exact or fnmatch glob, missing or "*" = any. count: -1 = always, N = the next N matching
        requests. fault: throttle | error5xx | lost | an error code (AccessDenied -> 403; JSON: AccessDeniedException;
        any other code -> 400 unless "status" is given; optional "message"). Rules are checked first, whatever the rate.
  With --stats-file the same JSON is written there (atomically) on every change.
  /moto-api/... is always forwarded untouched, never faulted and not counted.

Logging: one line per injected fault on stderr (plus start-up, control changes and upstream errors).
"""
import argparse
import fnmatch
import http.client
import json
import os
import random
import re
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL_PATH = "/__palisade/faults"
MOTO_API_PREFIX = "/moto-api"
KINDS = ("throttle", "error5xx", "lost")
RECENT_MAX = 100

# Request headers never forwarded (hop-by-hop, RFC 7230 6.1; Expect is answered here; Content-Length is recomputed).
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                        "te", "trailer", "trailers", "transfer-encoding", "upgrade", "expect", "content-length"})

QUERY_SERVICES = frozenset({"iam", "sts", "monitoring", "sns", "sqs", "cloudformation", "ec2", "autoscaling",
                            "elasticloadbalancing", "rds", "elasticache", "redshift", "ses", "sdb"})
QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "sqs": "http://queue.amazonaws.com/doc/2012-11-05/",
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
}
# restJson1 services (REST paths, JSON bodies, no X-Amz-Target): errors as JSON with x-amzn-ErrorType, which the SDKs
# read first (Security Hub, IAM Access Analyzer: each answers only through moto's or Palisade's JSON models).
REST_JSON_SERVICES = frozenset({"securityhub", "access-analyzer"})
# Former query services that now also speak JSON / CBOR (awsQueryCompatible): errors carry x-amzn-query-error.
QUERY_COMPATIBLE = frozenset({"monitoring", "sqs"})
# X-Amz-Target prefix -> SigV4 signing name (fallback when there is no Authorization header).
TARGET_PREFIXES = (
    ("AWSOrganizationsV", "organizations"), ("secretsmanager.", "secretsmanager"), ("TrentService.", "kms"),
    ("Logs_", "logs"), ("AWSEvents.", "events"), ("com.amazonaws.cloudtrail.", "cloudtrail"),
    ("CloudTrail_", "cloudtrail"), ("AWSStepFunctions.", "states"), ("AmazonSQS.", "sqs"),
    ("DynamoDB_", "dynamodb"), ("AmazonSSM.", "ssm"), ("CertificateManager.", "acm"),
    ("GraniteServiceVersion", "monitoring"), ("AWSSecurityTokenService", "sts"),
)
# restJson1 services (by SigV4 signing name) and the routes of the operations Palisade calls: method, path pattern.
REST_JSON_ROUTES = {
    "access-analyzer": (("PUT", r"/analyzer", "CreateAnalyzer"), ("GET", r"/analyzer", "ListAnalyzers"),
                        ("GET", r"/analyzer/[^/]+", "GetAnalyzer"), ("DELETE", r"/analyzer/[^/]+", "DeleteAnalyzer")),
}
S3_SUBRESOURCES = frozenset({
    "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering",
    "inventory", "legal-hold", "lifecycle", "location", "logging", "metrics", "notification", "object-lock",
    "ownershipControls", "policy", "policyStatus", "publicAccessBlock", "replication", "requestPayment", "restore",
    "retention", "select", "tagging", "torrent", "uploads", "versioning", "versions", "website",
})
MESSAGES = {
    "Throttling": "Rate exceeded",
    "ThrottlingException": "Rate exceeded",
    "TooManyRequestsException": "AWS Organizations can't complete your request because another request is already "
                                "in progress. Try again later.",
    "SlowDown": "Please reduce your request rate.",
    "InternalFailure": "The request processing has failed because of an unknown error, exception or failure.",
    "ServiceException": "AWS Organizations can't complete your request because of an internal service error. "
                        "Try again later.",
    "InternalError": "We encountered an internal error. Please try again.",
    "ServiceUnavailable": "Service is unavailable. Please try again later.",
    "ServiceUnavailableException": "Service is unavailable. Please try again later.",
    "AccessDenied": "User is not authorized to perform this operation (injected by the Palisade fault proxy).",
    "AccessDeniedException": "User is not authorized to perform this operation (injected by the Palisade fault proxy).",
}

_CRED_RE = re.compile(r"Credential=([^,\s]+)")
_RPCV2_PATH_RE = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")


def log(msg):
    sys.stderr.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} fault-proxy: {msg}\n")
    sys.stderr.flush()


# --- request classification --------------------------------------------------

class RequestInfo:
    __slots__ = ("service", "operation", "protocol", "json_version", "head", "query_compatible")

    def __init__(self, service, operation, protocol, json_version="1.1", head=False, query_compatible=False):
        self.service, self.operation, self.protocol = service, operation, protocol
        self.json_version, self.head, self.query_compatible = json_version, head, query_compatible


def _service_from_credential(cred):
    parts = cred.split("/")
    # SigV4: AKID/date/region/service/aws4_request; SigV4a: AKID/date/service/aws4_request
    if len(parts) >= 4 and parts[-1] == "aws4_request":
        return parts[-2].lower() or None
    return None


def _service_from_target(target):
    for prefix, svc in TARGET_PREFIXES:
        if target.startswith(prefix):
            return svc
    head = re.split(r"[._]", target, maxsplit=1)[0]
    return head.lower() or None


def _service_from_host(host):
    host = (host or "").strip().lower()
    if host.startswith("["):
        return None  # IPv6 literal
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    labels = [label for label in host.split(".") if label]
    if not labels or host == "localhost" or re.fullmatch(r"[\d.]+", host):
        return None
    if any(label == "s3" or label.startswith("s3-") for label in labels) or labels[-1] == "localhost":
        return "s3"  # s3.amazonaws.com, bucket.s3.us-east-1.amazonaws.com, bucket.localhost
    if len(labels) >= 3 and labels[-2:] == ["amazonaws", "com"]:
        return labels[0]
    return None


def classify(method, raw_path, headers, body):
    split = urllib.parse.urlsplit(raw_path)
    path, query = split.path or "/", split.query
    qs = urllib.parse.parse_qs(query, keep_blank_values=True)
    target = headers.get("X-Amz-Target") or ""
    ctype = (headers.get("Content-Type") or "").lower()
    rpcv2 = _RPCV2_PATH_RE.match(path)
    cbor = "rpc-v2-cbor" in (headers.get("smithy-protocol") or "").lower() or \
        (rpcv2 is not None and "application/cbor" in ctype)

    service = None
    m = _CRED_RE.search(headers.get("Authorization") or "")
    if m:
        service = _service_from_credential(m.group(1))
    if not service and qs.get("X-Amz-Credential"):
        service = _service_from_credential(qs["X-Amz-Credential"][0])
    if not service and target:
        service = _service_from_target(target)
    if not service and cbor and rpcv2:
        service = _service_from_target(urllib.parse.unquote(rpcv2.group(1)))
    if not service:
        service = _service_from_host(headers.get("Host"))
    service = service or "unknown"

    action = None
    if "x-www-form-urlencoded" in ctype and body:
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            action = (form.get("Action") or [None])[0]
        except ValueError:
            action = None
    if action is None and qs.get("Action"):
        action = qs["Action"][0]

    json_version = "1.1"
    if cbor:
        protocol = "cbor"
        operation = urllib.parse.unquote(rpcv2.group(2)) if rpcv2 else f"{method} {path}"
    elif target or "x-amz-json" in ctype:
        protocol = "json"
        operation = target.rsplit(".", 1)[-1] if target else (action or f"{method} {path}")
        if "x-amz-json-1.0" in ctype:
            json_version = "1.0"
    elif service in REST_JSON_SERVICES:
        protocol = "restjson"
        operation = next((op for m, pattern, op in REST_JSON_ROUTES.get(service, ())
                          if m == method and re.fullmatch(pattern, path)), f"{method} {path}")
    elif service != "s3" and (action is not None or service in QUERY_SERVICES):
        protocol = "query"
        operation = action or f"{method} {path}"
    else:
        protocol = "s3"
        host = (headers.get("Host") or "").lower().rsplit(":", 1)[0]
        labels = host.split(".")
        if service == "s3" and len(labels) >= 2 and labels[0] not in ("s3", "localhost") and \
                (labels[1] == "s3" or labels[1].startswith("s3-") or labels[-1] == "localhost"):
            path = "/" + labels[0] + (path if path != "/" else "")  # virtual-hosted style -> path style
        sub = sorted(k for k in qs if k in S3_SUBRESOURCES)
        operation = f"{method} {path}" + (f"?{sub[0]}" if sub else "")
    query_compatible = protocol in ("json", "cbor") and (
        service in QUERY_COMPATIBLE or (headers.get("x-amzn-query-mode") or "").lower() == "true")
    return RequestInfo(service, operation, protocol, json_version, method == "HEAD", query_compatible)


# --- error rendering -----------------------------------------------------------

def _xml_escape(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def _cbor_text(text):
    data = text.encode()
    n = len(data)
    if n < 24:
        return bytes([0x60 + n]) + data
    if n < 256:
        return bytes([0x78, n]) + data
    if n < 65536:
        return b"\x79" + n.to_bytes(2, "big") + data
    return b"\x7a" + n.to_bytes(4, "big") + data


def cbor_error_body(code, message):
    """CBOR map {"__type": code, "message": message} (all the RPC v2 CBOR error parsers need)."""
    return b"\xa2" + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(message)


def fault_response(info, kind, pick_503, rule=None):
    """-> (status, code, [(header, value)], body bytes) in the wire shape of info.protocol."""
    org = info.service == "organizations"
    proto = info.protocol
    # (status, query/XML code, JSON/CBOR code, Sender?)
    if kind == "throttle":
        if proto == "s3":
            status, qcode, jcode, sender = 503, "SlowDown", "SlowDown", False
        elif proto == "restjson":
            status, qcode, jcode, sender = 429, "ThrottlingException", "ThrottlingException", True
        else:
            status, qcode, sender = 400, "Throttling", True
            jcode = "TooManyRequestsException" if org else "ThrottlingException"
    elif kind in ("error5xx", "lost"):
        sender = False
        if proto == "s3":
            status, qcode = 500, "InternalError"
            jcode = qcode
        elif kind == "error5xx" and pick_503:
            status, qcode, jcode = 503, "ServiceUnavailable", "ServiceUnavailableException"
        elif proto == "restjson":
            status, qcode = 500, "InternalServerException"
            jcode = qcode
        else:
            status, qcode, jcode = 500, "InternalFailure", ("ServiceException" if org else "InternalFailure")
    else:  # an error code from a rule
        qcode = jcode = kind
        if kind == "AccessDenied":
            jcode = "AccessDeniedException"
        status = int((rule or {}).get("status") or (403 if kind.startswith("AccessDenied") else 400))
        sender = status < 500
    code = jcode if proto in ("json", "cbor", "restjson") else qcode
    message = (rule or {}).get("message") or MESSAGES.get(code, f"{code} (injected by the Palisade fault proxy)")
    request_id = str(uuid.uuid4())

    if proto == "restjson" and kind == "throttle" and info.service == "securityhub":
        code = "TooManyRequestsException"  # Security Hub models its 429 so (API Reference, Common Errors)
    if proto in ("json", "cbor"):
        headers = [("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)]
        if info.query_compatible:  # former query services (CloudWatch, SQS): SDKs take the code from this header
            headers.append(("x-amzn-query-error", f"{qcode};{'Sender' if sender else 'Receiver'}"))
    if proto == "cbor":
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
        body = cbor_error_body(code, message)
    elif proto == "json":
        headers.insert(0, ("Content-Type", f"application/x-amz-json-{info.json_version}"))
        body = json.dumps({"__type": code, "message": message}).encode()
    elif proto == "restjson":
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)]
        if status == 429:
            headers.append(("Retry-After", "1"))
        body = json.dumps({"message": message}).encode()
    elif proto == "query":
        ns = QUERY_NAMESPACES.get(info.service, "")
        xmlns = f' xmlns="{ns}"' if ns else ""
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
        body = (f"<ErrorResponse{xmlns}><Error><Type>{'Sender' if sender else 'Receiver'}</Type>"
                f"<Code>{_xml_escape(code)}</Code><Message>{_xml_escape(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()
    else:
        host_id = uuid.uuid4().hex
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id), ("x-amz-id-2", host_id)]
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{_xml_escape(code)}</Code>'
                f"<Message>{_xml_escape(message)}</Message><RequestId>{request_id}</RequestId>"
                f"<HostId>{host_id}</HostId></Error>").encode()
    if info.head:
        body = b""
    return status, code, headers, body


# --- state -----------------------------------------------------------------------

def parse_kinds(value):
    """'throttle,lost' | 'throttle=2,lost=1' | ["throttle"] | {"throttle": 2} -> {kind: weight}"""
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = []
        for v in value:
            name, _, weight = str(v).partition("=")
            items.append((name, weight or 1))
    else:
        raise ValueError("kinds must be a list, an object or a comma-separated string")
    weights = {}
    for name, weight in items:
        name = str(name).strip()
        if name not in KINDS:
            raise ValueError(f"unknown fault kind {name!r} (expected one of {', '.join(KINDS)})")
        weight = float(weight)
        if weight < 0:
            raise ValueError(f"negative weight for {name}")
        weights[name] = weight
    if not weights or sum(weights.values()) <= 0:
        raise ValueError("kinds must name at least one fault kind with a positive weight")
    return weights


def parse_rate(value):
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be within [0, 1], got {value!r}")
    return rate


def parse_rule(raw):
    if not isinstance(raw, dict):
        raise ValueError(f"a rule must be an object, got {raw!r}")
    fault = str(raw.get("fault") or "").strip()
    if not fault or not re.fullmatch(r"[A-Za-z][A-Za-z0-9._:-]*", fault):
        raise ValueError(f"rule needs a fault (throttle, error5xx, lost or an error code): {raw!r}")
    count = int(raw.get("count", -1))
    rule = {"service": str(raw.get("service") or "*"), "operation": str(raw.get("operation") or "*"),
            "fault": fault, "count": count, "hits": 0}
    if raw.get("status") is not None:
        status = int(raw["status"])
        if not 400 <= status <= 599:
            raise ValueError(f"rule status must be 4xx/5xx: {raw!r}")
        rule["status"] = status
    if raw.get("message"):
        rule["message"] = str(raw["message"])
    return rule


def _glob(pattern, value):
    return pattern == "*" or pattern == value or fnmatch.fnmatchcase(value, pattern)


class FaultState:
    def __init__(self, rate=0.0, seed=None, kinds=None, stats_file=None):
        self.lock = threading.Lock()
        self.rate = rate
        self.seed = seed
        self.rng = random.Random(seed)
        self.kinds = dict(kinds or {k: 1.0 for k in KINDS})
        self.rules = []
        self.stats_file = stats_file
        self._reset_counters()

    def _reset_counters(self):
        self.requests = 0
        self.injected = {k: 0 for k in KINDS}
        self.by_service = {}
        self.recent = []

    def snapshot_locked(self):
        return {"rate": self.rate, "seed": self.seed, "kinds": dict(self.kinds), "requests": self.requests,
                "injected": dict(self.injected),
                "byService": {s: dict(v, operations=dict(sorted(v["operations"].items())))
                              for s, v in sorted(self.by_service.items())},
                "rules": [dict(r) for r in self.rules], "recent": list(self.recent)}

    def snapshot(self):
        with self.lock:
            return self.snapshot_locked()

    def persist_locked(self):
        if not self.stats_file:
            return
        tmp = f"{self.stats_file}.tmp.{os.getpid()}.{threading.get_ident()}"
        try:
            with open(tmp, "w") as f:
                json.dump(self.snapshot_locked(), f, indent=1, sort_keys=True)
                f.write("\n")
            os.replace(tmp, self.stats_file)
        except OSError as e:
            log(f"cannot write stats file {self.stats_file}: {e}")

    def configure(self, cfg):
        """Apply a control POST body; raises ValueError (nothing applied) on a bad value."""
        if not isinstance(cfg, dict):
            raise ValueError("body must be a JSON object")
        unknown = set(cfg) - {"rate", "seed", "kinds", "reset", "rules", "addRules"}
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        rate = parse_rate(cfg["rate"]) if "rate" in cfg else None
        kinds = parse_kinds(cfg["kinds"]) if "kinds" in cfg else None
        rules = [parse_rule(r) for r in cfg["rules"]] if cfg.get("rules") is not None else None
        add = [parse_rule(r) for r in cfg.get("addRules") or []]
        if "seed" in cfg and cfg["seed"] is not None and not isinstance(cfg["seed"], (int, str)):
            raise ValueError("seed must be an integer or a string")
        with self.lock:
            if cfg.get("reset"):
                self._reset_counters()
            if rate is not None:
                self.rate = rate
            if "seed" in cfg:
                self.seed = cfg["seed"]
                self.rng = random.Random(self.seed)
            if kinds is not None:
                self.kinds = kinds
            if rules is not None:
                self.rules = rules
            self.rules.extend(add)
            self.persist_locked()
            return self.snapshot_locked()

    def decide(self, info):
        """Count the request; -> (kind, rule or None, pick_503) or None to forward it untouched."""
        with self.lock:
            self.requests += 1
            svc = self.by_service.setdefault(info.service, {"requests": 0, "injected": 0, "operations": {}})
            svc["requests"] += 1
            ops = svc["operations"]
            ops[info.operation] = ops.get(info.operation, 0) + 1
            kind = rule = None
            for r in self.rules:
                if r["count"] != 0 and _glob(r["service"], info.service) and _glob(r["operation"], info.operation):
                    rule, kind = r, r["fault"]
                    r["hits"] += 1
                    if r["count"] > 0:
                        r["count"] -= 1
                    break
            if kind is None and self.rate > 0 and self.rng.random() < self.rate:
                names = [k for k, w in self.kinds.items() if w > 0]
                kind = self.rng.choices(names, weights=[self.kinds[k] for k in names])[0]
            pick_503 = self.rng.random() < 0.5 if kind == "error5xx" else False
            if kind is not None:
                self.injected[kind] = self.injected.get(kind, 0) + 1
                svc["injected"] += 1
            self.persist_locked()
            return (kind, rule, pick_503) if kind is not None else None

    def record(self, info, kind, status, code):
        entry = {"time": round(time.time(), 3), "service": info.service, "operation": info.operation,
                 "kind": kind, "status": status, "code": code}
        with self.lock:
            self.recent.append(entry)
            del self.recent[:-RECENT_MAX]
            self.persist_locked()
        log(f"injected {kind}: service={info.service} operation={info.operation} -> {status} {code}")


# --- upstream --------------------------------------------------------------------

class UpstreamPool:
    """Keep-alive connections to the upstream, shared by the handler threads."""

    def __init__(self, url, cafile, timeout=300.0, max_idle=32):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"bad upstream URL {url!r}")
        self.https = u.scheme == "https"
        self.host = u.hostname
        self.port = u.port or (443 if self.https else 80)
        self.netloc = u.netloc
        self.timeout = timeout
        self.max_idle = max_idle
        self.ctx = ssl.create_default_context(cafile=cafile) if self.https else None
        self.idle = []
        self.lock = threading.Lock()

    def new(self):
        if self.https:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.ctx)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def get(self):
        with self.lock:
            if self.idle:
                return self.idle.pop(), True
        return self.new(), False

    def put(self, conn):
        with self.lock:
            if len(self.idle) < self.max_idle:
                self.idle.append(conn)
                return
        conn.close()

    def request(self, method, path, headers, body):
        """-> (conn, response). Retries once on a fresh connection if a pooled one turns out to be closed."""
        conn, reused = self.get()
        while True:
            try:
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    conn.putheader(k, v)
                conn.endheaders(body if body else None)
                return conn, conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    ConnectionAbortedError, ssl.SSLEOFError):
                conn.close()
                if not reused:
                    raise
                conn, reused = self.new(), False
            except BaseException:
                conn.close()
                raise


# --- HTTP handler ------------------------------------------------------------------

class ClientGone(Exception):
    pass


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PalisadeFaultProxy/1.0"
    timeout = 120  # idle keep-alive client connections

    def handle(self):
        try:
            super().handle()
        except (ClientGone, ConnectionError, TimeoutError, ssl.SSLError, OSError):
            self.close_connection = True

    def log_message(self, fmt, *args):
        if self.server.verbose:
            log(f"{self.address_string()} {fmt % args}")

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    # -- request body
    def _read_exact(self, n):
        chunks, left = [], n
        while left > 0:
            data = self.rfile.read(left)
            if not data:
                raise ClientGone("client closed the connection mid-body")
            chunks.append(data)
            left -= len(data)
        return b"".join(chunks)

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ClientGone("client closed the connection mid-chunk")
                size = int(line.split(b";", 1)[0].strip() or b"x", 16)  # ValueError -> 400
                if size < 0:
                    raise ValueError("negative chunk size")
                if size == 0:
                    while True:  # optional trailers, dropped
                        trailer = self.rfile.readline(65537)
                        if trailer in (b"\r\n", b"\n", b""):
                            break
                    break
                parts.append(self._read_exact(size))
                self._read_exact(2)  # CRLF after the chunk data
            return b"".join(parts), True
        length = self.headers.get("Content-Length")
        if length is not None:
            n = int(length)
            if n < 0:
                raise ValueError("negative Content-Length")
            return self._read_exact(n), True
        return b"", False

    # -- responses
    def _send(self, status, headers, body, reason=None):
        self.send_response_only(status, reason)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self._end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _end_headers(self):
        if self.close_connection:  # the client asked for it (or HTTP/1.0): say so
            self.send_header("Connection", "close")
        self.end_headers()

    def _send_json(self, status, obj):
        self._send(status, [("Content-Type", "application/json")], json.dumps(obj, indent=1).encode() + b"\n")

    def _handle(self):
        try:
            body, had_body = self._read_body()
        except ValueError as e:
            self.close_connection = True
            self._send(400, [("Content-Type", "text/plain"), ("Connection", "close")], f"bad request: {e}\n".encode())
            return
        path = self.path
        if path == CONTROL_PATH or path.startswith(CONTROL_PATH + "?"):
            self._control(body)
            return
        if path.startswith(MOTO_API_PREFIX):
            self._forward(body, had_body, relay=True)
            return
        info = classify(self.command, path, self.headers, body)
        state = self.server.state
        decision = state.decide(info)
        if decision is None:
            self._forward(body, had_body, relay=True)
            return
        kind, rule, pick_503 = decision
        if kind == "lost":
            if not self._forward(body, had_body, relay=False):
                return  # upstream unreachable: a 502 was sent (still counted as an injected "lost")
        status, code, headers, err_body = fault_response(info, kind, pick_503, rule)
        state.record(info, kind, status, code)
        self._send(status, headers, err_body)

    def _control(self, body):
        state = self.server.state
        if self.command == "GET":
            self._send_json(200, state.snapshot())
        elif self.command == "POST":
            try:
                cfg = json.loads(body.decode() or "{}")
                snap = state.configure(cfg)
            except ValueError as e:  # includes JSONDecodeError
                self._send_json(400, {"error": str(e)})
                return
            log(f"control: {json.dumps(cfg, sort_keys=True)}")
            self._send_json(200, snap)
        else:
            self._send_json(405, {"error": f"{self.command} not allowed; use GET or POST"})

    def _upstream_headers(self, body, had_body):
        drop = set(HOP_BY_HOP)
        for token in (self.headers.get("Connection") or "").split(","):
            drop.add(token.strip().lower())
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in drop]
        if not any(k.lower() == "host" for k, _ in headers):
            headers.append(("Host", self.server.upstream.netloc))
        if had_body or body:
            headers.append(("Content-Length", str(len(body))))
        return headers

    def _forward(self, body, had_body, relay):
        """Send the request upstream. relay=True: stream the answer to the client; False: read and discard it.
        -> True if the upstream answered."""
        pool = self.server.upstream
        try:
            conn, resp = pool.request(self.command, self.path, self._upstream_headers(body, had_body), body)
        except ValueError as e:  # a header or path http.client refuses to send
            self._send(400, [("Content-Type", "text/plain")], f"fault proxy: cannot forward: {e}\n".encode())
            return False
        except (OSError, http.client.HTTPException) as e:
            log(f"upstream error for {self.command} {self.path.split('?')[0]}: {e!r}")
            self._send(502, [("Content-Type", "text/plain")], f"fault proxy: upstream error: {e}\n".encode())
            return False
        complete = False
        try:
            if not relay:
                resp.read()
                complete = True
                return True
            self._relay(resp)
            complete = True
            return True
        except (OSError, http.client.HTTPException) as e:
            self.close_connection = True
            if not isinstance(e, (BrokenPipeError, ConnectionResetError, ssl.SSLError)):
                log(f"relay error for {self.command} {self.path.split('?')[0]}: {e!r}")
            return True
        finally:
            if complete and not resp.will_close:
                pool.put(conn)
            else:
                conn.close()

    def _relay(self, resp):
        drop = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-length", "trailer",
                "upgrade", "te"}
        for token in (resp.getheader("Connection") or "").split(","):
            drop.add(token.strip().lower())
        headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in drop]
        no_body = self.command == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        upstream_len = resp.getheader("Content-Length")
        chunked = "chunked" in (resp.getheader("Transfer-Encoding") or "").lower()
        self.send_response_only(resp.status, resp.reason)
        for k, v in headers:
            self.send_header(k, v)
        if no_body:
            if upstream_len is not None:
                self.send_header("Content-Length", upstream_len)  # HEAD: the size of the GET, no body follows
            self._end_headers()
            resp.read()
            self.wfile.flush()
            return
        if upstream_len is not None and not chunked:
            self.send_header("Content-Length", upstream_len)
            self._end_headers()
            while True:
                data = resp.read(65536)
                if not data:
                    break
                self.wfile.write(data)
        else:  # chunked or read-until-close upstream: buffer, send with a length
            data = resp.read()
            self.send_header("Content-Length", str(len(data)))
            self._end_headers()
            self.wfile.write(data)
        self.wfile.flush()


class FaultProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, tls_ctx, state, upstream, verbose=False):
        self.tls_ctx, self.state, self.upstream, self.verbose = tls_ctx, state, upstream, verbose
        super().__init__(addr, ProxyHandler)

    def server_bind(self):  # skip HTTPServer's getfqdn() (a DNS lookup)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        # TLS handshake in the worker thread, so a slow or broken client never blocks accept().
        try:
            request.settimeout(30)
            # headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms per answer
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tls = self.tls_ctx.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (ConnectionError, TimeoutError, ssl.SSLError, OSError):
            pass
        finally:
            try:
                tls.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            tls.close()

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError, ssl.SSLError)):
            log(f"error handling a request from {client_address}: {exc!r}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen-host", default="127.0.0.1")
    p.add_argument("--listen-port", type=int, required=True)
    p.add_argument("--upstream", required=True, help="e.g. https://localhost:5443")
    p.add_argument("--cert", required=True, help="server certificate (PEM) presented to clients")
    p.add_argument("--key", required=True, help="its private key (PEM)")
    p.add_argument("--ca", help="CA bundle to verify the upstream's certificate (default: system trust)")
    p.add_argument("--rate", type=parse_rate, default=0.0, help="share of requests to fault, 0..1 (default 0)")
    p.add_argument("--seed", help="random seed (integer) for reproducible fault sequences")
    p.add_argument("--kinds", type=parse_kinds, default=None,
                   help="fault kinds and optional weights: throttle,error5xx,lost (default) or throttle=2,lost=1")
    p.add_argument("--stats-file", help="write the stats JSON here (atomically) on every change")
    p.add_argument("--verbose", action="store_true", help="also log every request")
    args = p.parse_args(argv)

    seed = int(args.seed) if args.seed is not None and re.fullmatch(r"-?\d+", args.seed) else args.seed
    state = FaultState(rate=args.rate, seed=seed, kinds=args.kinds, stats_file=args.stats_file)
    upstream = UpstreamPool(args.upstream, args.ca)
    tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_ctx.load_cert_chain(args.cert, args.key)
    tls_ctx.set_alpn_protocols(["http/1.1"])
    server = FaultProxyServer((args.listen_host, args.listen_port), tls_ctx, state, upstream, args.verbose)

    def stop(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    with state.lock:
        state.persist_locked()
    log(f"listening on https://{args.listen_host}:{server.server_port} -> {args.upstream} "
        f"(rate {state.rate}, kinds {state.kinds}, seed {state.seed})")
    try:
        server.serve_forever(poll_interval=0.5)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
