#!/usr/bin/env python3
"""Palisade launcher for moto's server: same CLI as `python3 -m moto.server` (it calls moto.server.main) plus small
monkeypatches so that S3 bucket-policy Conditions are evaluated faithfully. Tested with moto 5.2.1 and 5.2.5.
  python3 scripts/harness/moto_server.py -H 127.0.0.1 -p 5443 --ssl-cert server.pem --ssl-key server.key

WHY: moto 5.2.x checks bucket policies (FakeBucket.get_permission -> IAMPolicy.is_action_permitted) with NO request
context and knows only StringEquals: any other operator (Bool, ArnNotLike, ...) and any key missing from the empty
context counts as MET, and an unmet condition yields DENIED even for Allow. So the standard TLS-only statement
(Deny s3:* if Bool aws:SecureTransport=false) denied every object call, even over HTTPS.

PATCHED (S3 bucket-policy path only):
 1. DomainDispatcherApplication.__call__ (moto's WSGI app) keeps, in a thread-local for the duration of each
    request, {"aws:SecureTransport": "true" if environ["wsgi.url_scheme"] == "https" else "false"}.
    X-Forwarded-Proto is deliberately ignored (a client could spoof it).
 2. FakeBucket.get_permission(action, resource, context=None) evaluates the policy with evaluate_policy() against
    that context (or an explicit one): any applicable Deny -> DENIED, else any applicable Allow -> PERMITTED, else
    NEUTRAL. A statement whose conditions are not met is NEUTRAL (Allow and Deny). Operators: Bool, String[Not]Equals,
    String[Not]Like, Arn[Not]Equals, Arn[Not]Like, each also ...IfExists; a policy value may be a scalar or a list
    (positive operator: any value matches; Not operator: no value matches). Condition blocks/keys are ANDed, keys
    are case-insensitive, Like/Arn* support * and ?, Arn* compare the 6 ARN fields separately.
 3. MetricFilters.add_filter (Logs PutMetricFilter) replaces the filter of the same name in the same log group, as
    AWS documents ("Creates or updates a metric filter"); moto appended a duplicate, so a PutMetricFilter whose answer
    was lost and that the SDK repeated left two filters of one name.
 4. Identity policies and role trust (AssumeRole) are evaluated by moto_iam.py (see its docstring), which reuses the
    condition evaluator below with a context of the caller, the resource and its organization.
 5. AWS size limits (IAM inline/trust/managed policies, S3 bucket policy): moto_limits.py, its own docstring.
 6. OrganizationsBackend.list_create_account_status (ListCreateAccountStatus) returns as NextToken the start of the
    next page; moto returned the length of the page it sent, so from the second page on it sent the same page again
    with the same token, and any paginating client (the SDK's paginator) looped forever once an organization had
    more creation requests than one page (123 by moto's default, seen after a 100-account run: CreateAccounts made
    46 requests a second until its Lambda timed out). AWS pages with an opaque token that moves on.
 8. Logs AssociateKmsKey (moto 5.2.x has none: the call answered an unknown-action error). A faithful minimal model of
    the API for a log group: the group must exist (ResourceNotFoundException otherwise, as AWS), kmsKeyId must be a
    KMS key ARN (InvalidParameterException otherwise: AWS takes no alias or bare id here), and the group then reports
    that key as its kmsKeyId, as CreateLogGroup's kmsKeyId does. Not modelled: AWS's check that the key exists and
    that its key policy lets logs.<region>.amazonaws.com use it (moto evaluates no key policy at all).
 7. moto.iam.models.get_account_id_from (which account an access key belongs to, on every request) looks only at the
    IAM backends that exist. moto asked every account for its backend in every partition (aws, aws-cn, aws-us-gov,
    ...), which CREATES the missing ones, each loading AWS's 1,582 managed policies: every new member account cost 5
    backends and ~8,000 policy objects on its first request, so a 300-account bootstrap spent minutes and GBs in
    moto. An access key can only be in a backend that exists, so the answer is the same.

 9. OrganizationsBackend.attach_policy (AttachPolicy) refuses a policy whose type is not enabled on the organization's
    root, as AWS does (PolicyTypeNotEnabledException "This operation can be performed only for enabled policy
    types."); moto attached any policy to any target. AWS managed policies (FullAWSAccess, RCPFullAWSAccess), which
    moto attaches itself when it makes the organization, are left alone.
 8. IAM Access Analyzer, which moto does not have (it answered 500): requests whose SigV4 scope names the service
    access-analyzer are answered by moto_access_analyzer.py, a minimal model of analyzers (its docstring).
 9. Centralized root access (IAM organization features, STS AssumeRoot, the root user's credentials as data), which
    moto lacks: moto_root_access.py, its own docstring.
10. Security Hub CSPM: standards, ListOrganizationAdminAccounts, and what EnableSecurityHub,
    EnableOrganizationAdminAccount and CreateMembers do on AWS: moto_securityhub.py, its own docstring.

KNOWN LIMITATIONS (locally less strict than AWS; never more permissive for a key moto knows):
 a. A condition key absent from the local context (all but aws:SecureTransport: aws:PrincipalArn, aws:SourceArn,
    aws:SourceAccount, aws:PrincipalOrgID, ...) is unknown, so the whole statement is NEUTRAL: Deny statements
    conditioned on such keys are NOT ENFORCED locally; Allow statements conditioned on them grant nothing.
    IfExists does not change this (the key may well exist in AWS).
 b. moto does not know the caller here: only Principal "*" / {"AWS": "*"} statements apply; any other Principal,
    or NotPrincipal, makes the statement NEUTRAL (moto applied e.g. a Service principal's Allow to everyone).
 c. Unsupported operators (Null, Numeric*, Date*, IpAddress, ForAnyValue:..., ...) on a known key fail closed:
    such a Deny applies, such an Allow grants nothing (a warning is logged).
 d. As in moto, only object operations (Get/Put/Head/DeleteObject, DeleteObjects) consult the bucket policy, and a
    denial is an empty-bodied 403 (AWS sends AccessDenied XML).
"""
import json
import functools
import logging
import re
import sys
import threading

import moto
import moto.server
from moto.iam.access_control import PermissionResult
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.logs.metric_filters import MetricFilters
from moto.organizations.models import OrganizationsBackend
from moto.s3.models import FakeBucket

log = logging.getLogger("palisade.moto_server")
_REQUEST = threading.local()  # .context: dict of lower-cased condition key -> str, for the current request
_UNSUPPORTED = "unsupported"


@functools.lru_cache(maxsize=65536)
def _compiled(pattern, ignore_case):
    rx = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(rx, re.S | (re.I if ignore_case else 0))


def _glob(pattern, value, ignore_case=False):
    # compiled once per pattern: AWS managed ReadOnlyAccess alone has thousands of action patterns, more than re's own
    # cache of 512 holds, so every request recompiled them all (83 ms per request of a ReadOnlyAccess session)
    return _compiled(str(pattern), ignore_case).fullmatch(value) is not None


def _arn(pattern, value):
    p, v = str(pattern).split(":", 5), value.split(":", 5)
    if len(p) != 6 or len(v) != 6:
        return _glob(pattern, value)
    return all(_glob(a, b) for a, b in zip(p, v))


# base operator -> (matcher(policy_value, request_value), negated)
_OPS = {"Bool": (lambda p, v: str(p).lower() == v.lower(), False),
        "StringEquals": (lambda p, v: str(p) == v, False), "StringNotEquals": (lambda p, v: str(p) == v, True),
        "StringLike": (_glob, False), "StringNotLike": (_glob, True),
        "ArnEquals": (_arn, False), "ArnNotEquals": (_arn, True),  # ArnEquals == ArnLike in AWS
        "ArnLike": (_arn, False), "ArnNotLike": (_arn, True)}


def _condition(operator, key, expected, context):
    """True / False, None if the key is unknown locally, or _UNSUPPORTED."""
    if key.lower() not in context:
        return None  # limitation (a)
    op = _OPS.get(operator[: -len("IfExists")] if operator.endswith("IfExists") else operator)
    if op is None:
        return _UNSUPPORTED
    matcher, negated = op
    values = expected if isinstance(expected, list) else [expected]
    values = [json.dumps(x) if isinstance(x, bool) else x for x in values]  # JSON true -> "true"
    return any(matcher(x, context[key.lower()]) for x in values) != negated


def _listed(statement, field, value, ignore_case):
    patterns = statement.get(field, [])
    return any(_glob(p, value, ignore_case) for p in (patterns if isinstance(patterns, list) else [patterns]))


def _statement(st, action, resource, context):
    applies = (_listed(st, "Action", action, True) if "NotAction" not in st  # actions: case-insensitive
               else not _listed(st, "NotAction", action, True))
    applies = applies and (_listed(st, "Resource", resource, False) if "NotResource" not in st
                           else not _listed(st, "NotResource", resource, False))
    if not applies or "NotPrincipal" in st or st.get("Principal") not in ("*", {"AWS": "*"}, {"AWS": ["*"]}):
        return PermissionResult.NEUTRAL  # limitation (b) for the principal part
    results = [_condition(op, k, v, context) for op, block in st.get("Condition", {}).items() for k, v in block.items()]
    if any(r is False or r is None for r in results):
        return PermissionResult.NEUTRAL  # condition not met, or unknown key (limitation (a))
    deny = st.get("Effect") == "Deny"
    if _UNSUPPORTED in results:
        log.warning("bucket policy: unsupported condition operator in %s; failing closed", st.get("Condition"))
        if not deny:
            return PermissionResult.NEUTRAL
    return PermissionResult.DENIED if deny else PermissionResult.PERMITTED


def evaluate_policy(policy, action, resource, context):
    """Evaluate a bucket policy (JSON str/bytes or dict) for one action/resource against a request context."""
    doc = json.loads(policy) if isinstance(policy, (str, bytes)) else policy
    context = {k.lower(): v for k, v in (context or {}).items()}
    statements = doc.get("Statement", [])
    results = [_statement(s, action, resource, context) for s in (statements if isinstance(statements, list) else [statements])]
    if PermissionResult.DENIED in results:
        return PermissionResult.DENIED
    return PermissionResult.PERMITTED if PermissionResult.PERMITTED in results else PermissionResult.NEUTRAL


def current_context():
    """Context of the request being served by this thread ({} outside a request)."""
    return dict(getattr(_REQUEST, "context", {}))


def _require(owner, name, params=None):
    attr = getattr(owner, name, None)
    if attr is None or (params and list(attr.__code__.co_varnames[: attr.__code__.co_argcount]) != params):
        sys.exit(f"moto_server.py: moto {moto.__version__}: {owner.__name__}.{name} missing or changed; re-check the patches")
    return attr


_original = {}  # symbol -> moto's original


def apply_patches():
    """Idempotent; exits loudly if moto no longer has what we patch."""
    if _original:
        return
    _require(moto.server, "main")
    for member in ("PERMITTED", "DENIED", "NEUTRAL"):
        _require(PermissionResult, member)
    _original["call"] = call = _require(DomainDispatcherApplication, "__call__", ["self", "environ", "start_response"])
    _original["get_permission"] = _require(FakeBucket, "get_permission", ["self", "action", "resource"])

    import moto_access_analyzer
    import moto_securityhub

    def __call__(self, environ, start_response):  # patch 1: per-request context
        _REQUEST.context = {"aws:securetransport": "true" if environ.get("wsgi.url_scheme") == "https" else "false"}
        try:
            if moto_access_analyzer.handles(environ):  # patch 8: a service moto does not have
                return moto_access_analyzer.app(environ, start_response)
            if moto_securityhub.handles(environ):  # patch 10: Security Hub calls moto lacks
                return moto_securityhub.app(environ, start_response)
            return call(self, environ, start_response)
        finally:
            _REQUEST.context = {}

    def get_permission(self, action, resource, context=None):  # patch 2: faithful bucket-policy evaluation
        if self.policy is None:
            return PermissionResult.NEUTRAL
        return evaluate_policy(self.policy, action, resource, current_context() if context is None else context)

    _original["add_filter"] = add_filter = _require(MetricFilters, "add_filter", [
        "self", "filter_name", "filter_pattern", "log_group_name", "metric_transformations"])

    def add_filter_or_replace(self, filter_name, filter_pattern, log_group_name, metric_transformations):  # patch 3
        self.metric_filters = [f for f in self.metric_filters
                               if not (f["filterName"] == filter_name and f["logGroupName"] == log_group_name)]
        add_filter(self, filter_name, filter_pattern, log_group_name, metric_transformations)

    _original["list_create_account_status"] = listing = _require(OrganizationsBackend, "list_create_account_status",
                                                                 ["self"])

    def list_create_account_status(self, **kwargs):  # patch 6: a NextToken that moves on
        out = listing(self, **kwargs)
        if out.get("NextToken"):
            out["NextToken"] = str(int(kwargs.get("NextToken") or 0) + len(out["CreateAccountStatuses"]))
        return out

    _original["attach_policy"] = attach = _require(OrganizationsBackend, "attach_policy", ["self"])
    _require(OrganizationsBackend, "get_policy_by_id", ["self", "policy_id"])

    def attach_policy(self, **kwargs):  # patch 9: only a policy of a type enabled on the root
        from moto.organizations.exceptions import PolicyTypeNotEnabledException
        from moto.organizations.models import FakeRoot
        policy = self.get_policy_by_id(kwargs["PolicyId"])
        roots = [ou for ou in self.ou if isinstance(ou, FakeRoot)]
        if not policy.aws_managed and roots and not any(
                t["Type"] == policy.type and t["Status"] == "ENABLED" for t in roots[0].policy_types):
            raise PolicyTypeNotEnabledException
        return attach(self, **kwargs)

    import moto.iam.models as iam_models
    _original["get_account_id_from"] = _require(iam_models, "get_account_id_from", ["access_key"])
    _require(iam_models, "PARTITION_NAMES")

    def get_account_id_from(access_key):  # patch 7: never create a backend to look for a key
        for account_id, account in list(iam_models.iam_backends.items()):
            for backend in list(dict.values(account)):
                if access_key in backend.access_keys:
                    return account_id
        return iam_models.DEFAULT_ACCOUNT_ID

    iam_models.get_account_id_from = get_account_id_from
    _patch_logs_associate_kms_key()  # patch 8
    DomainDispatcherApplication.__call__ = __call__
    FakeBucket.get_permission = get_permission
    MetricFilters.add_filter = add_filter_or_replace
    OrganizationsBackend.list_create_account_status = list_create_account_status
    OrganizationsBackend.attach_policy = attach_policy
    __import__("moto_limits").apply_patches()  # patch 5: AWS size limits (scripts/harness/moto_limits.py)

    import moto_iam  # identity policies and role trust, as AWS evaluates them (its docstring)
    moto_iam.apply_patches()
    import moto_root_access  # patch 9: centralized root access (its docstring)
    moto_root_access.apply_patches()
    moto_securityhub.apply_patches()  # patch 10: Security Hub standards and organization side effects


def associate_kms_key(backend, log_group_name, kms_key_id):
    """Patch 8's model (LogsBackend): set a log group's KMS key as AWS's AssociateKmsKey does."""
    from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
    if not re.fullmatch(r"arn:[^:]+:kms:[^:]+:\d{12}:key/[^/]+", kms_key_id or ""):
        raise InvalidParameterException(f"Specified KMS key is not a valid ARN: {kms_key_id}")
    group = backend.groups.get(log_group_name or "")
    if group is None:
        raise ResourceNotFoundException("The specified log group does not exist.")
    group.kms_key_id = kms_key_id


def _patch_logs_associate_kms_key():
    from moto.logs.models import LogsBackend
    from moto.logs.responses import LogsResponse
    _require(LogsBackend, "create_log_group")
    if getattr(LogsResponse, "associate_kms_key", None) is not None:
        sys.exit(f"moto_server.py: moto {moto.__version__} has LogsResponse.associate_kms_key now; drop patch 8")

    def response(self):
        associate_kms_key(self.logs_backend, self._get_param("logGroupName"), self._get_param("kmsKeyId"))
        return ""

    LogsResponse.associate_kms_key = response


if __name__ == "__main__":
    sys.modules.setdefault("moto_server", sys.modules["__main__"])  # moto_iam shares this module's request context
    sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
    apply_patches()
    print(f"moto_server.py: moto {moto.__version__} with Palisade S3 bucket-policy patches", file=sys.stderr, flush=True)
    moto.server.main(sys.argv[1:])
