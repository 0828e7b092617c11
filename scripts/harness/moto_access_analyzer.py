"""IAM Access Analyzer for the emulated organization: a minimal model of its analyzers, served by moto_server.py.

WHY: moto 5.2.5 has no accessanalyzer service: every request to it answered 500, so Palisade could not make the
organization's analyzer (issue 10: an analyzer of type ORGANIZATION, delegated to InfoSec) and Prowler's check of it
could not run locally.

MODELLED (restJson1, as the SDKs send it; service "access-analyzer"):
  CreateAnalyzer  PUT    /analyzer              {analyzerName, type, tags?, clientToken?} -> {arn}
  GetAnalyzer     GET    /analyzer/{name}       -> {analyzer: {arn, name, type, createdAt, status ACTIVE, tags}}
  ListAnalyzers   GET    /analyzer?type=&maxResults=&nextToken=   -> {analyzers: [...], nextToken?}
  DeleteAnalyzer  DELETE /analyzer/{name}       -> 200, empty
Analyzers live per account and region. As AWS does:
  - type ACCOUNT or ACCOUNT_UNUSED_ACCESS: any account;
  - type ORGANIZATION or ORGANIZATION_UNUSED_ACCESS: only in an organization whose trusted access for
    access-analyzer.amazonaws.com is enabled (else ValidationException "Service not enabled for AWS Organizations",
    reason FIELD_VALIDATION_FAILED, 400), and only by its management account or the account registered as delegated
    administrator for access-analyzer.amazonaws.com (else AccessDeniedException "Account <id> is not a delegated
    administrator", 403). Both answers are the ones AWS gives (seen in terraform-aws-secure-baseline#184 and
    landing-zone-accelerator-on-aws#922);
  - a second analyzer of a name the account already has in the region: ConflictException 409;
  - an unknown name: ResourceNotFoundException 404; an invalid name or type: ValidationException 400;
  - a repeated CreateAnalyzer with the same clientToken, name and type returns the same analyzer (idempotent).
IAM: each call is authorized like any other moto call (moto_iam.py): action access-analyzer:<Operation>, resource
arn:<partition>:access-analyzer:<region>:<account>:analyzer/<name> (ListAnalyzers: "*"); the harness root key is not
checked.

NOT MODELLED (less strict or less complete than AWS): findings, archive rules, policy validation and generation,
the unused-access configuration, tags beyond storing them, the service-linked role CreateAnalyzer makes on AWS, the
quota of analyzers per account and region, and an organization analyzer's removal when its account stops being the
delegated administrator.
"""
import json
import re
import threading
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote

SERVICE_PRINCIPAL = "access-analyzer.amazonaws.com"
TYPES = ("ACCOUNT", "ORGANIZATION", "ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,254}")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")
_LOCK = threading.Lock()
ANALYZERS = {}  # (account, region) -> {name: analyzer}; each analyzer also keeps its clientToken


class ApiError(Exception):
    def __init__(self, status, code, message, **fields):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def handles(environ):
    """Whether a request is for Access Analyzer (its SigV4 credential scope names the service)."""
    m = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return bool(m) and m.group(3) == "access-analyzer"


# ------------------------------------------------------------------ the organization, as moto's Organizations has it
def _organization(account):
    """(backend, management account id) of the organization the account is in, or (None, None)."""
    from moto.organizations.models import organizations_backends
    master, partition = organizations_backends.master_accounts.get(account, (account, "aws"))
    try:
        backend = organizations_backends[master][partition]
    except KeyError:
        return None, None
    if backend.org is None:
        return None, None
    return backend, backend.org.master_account_id


def _may_create_organization_analyzer(account):
    backend, management = _organization(account)
    enabled = backend is not None and any(s.get("ServicePrincipal") == SERVICE_PRINCIPAL for s in backend.services)
    if not enabled:
        raise ApiError(400, "ValidationException", "Service not enabled for AWS Organizations",
                       reason="FIELD_VALIDATION_FAILED")
    delegated = any(a.account.id == account and SERVICE_PRINCIPAL in a.services for a in backend.admins)
    if account != management and not delegated:
        raise ApiError(403, "AccessDeniedException", f"Account {account} is not a delegated administrator")


# ------------------------------------------------------------------ operations
def _arn(partition, region, account, name):
    return f"arn:{partition}:access-analyzer:{region}:{account}:analyzer/{name}"


def _public(analyzer):
    return {k: v for k, v in analyzer.items() if k != "clientToken"}


def create_analyzer(account, region, partition, body):
    name, kind = body.get("analyzerName"), body.get("type")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ApiError(400, "ValidationException", "Invalid analyzerName", reason="FIELD_VALIDATION_FAILED",
                       fieldList=[{"name": "analyzerName", "message": "must match [A-Za-z][A-Za-z0-9_.-]*"}])
    if kind not in TYPES:
        raise ApiError(400, "ValidationException", f"Invalid type {kind}", reason="FIELD_VALIDATION_FAILED",
                       fieldList=[{"name": "type", "message": "must be one of " + ", ".join(TYPES)}])
    if kind.startswith("ORGANIZATION"):
        _may_create_organization_analyzer(account)
    with _LOCK:
        analyzers = ANALYZERS.setdefault((account, region), {})
        existing = analyzers.get(name)
        if existing is not None:
            token = body.get("clientToken")
            if token and token == existing.get("clientToken") and existing["type"] == kind:
                return {"arn": existing["arn"]}
            raise ApiError(409, "ConflictException", f"Analyzer {name} already exists", resourceId=name,
                           resourceType="AWS::AccessAnalyzer::Analyzer")
        analyzer = {"arn": _arn(partition, region, account, name), "name": name, "type": kind,
                    "createdAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "ACTIVE",
                    "tags": dict(body.get("tags") or {}), "clientToken": body.get("clientToken")}
        analyzers[name] = analyzer
        return {"arn": analyzer["arn"]}


def _found(account, region, name):
    analyzer = ANALYZERS.get((account, region), {}).get(name)
    if analyzer is None:
        raise ApiError(404, "ResourceNotFoundException", f"Analyzer {name} not found", resourceId=name,
                       resourceType="AWS::AccessAnalyzer::Analyzer")
    return analyzer


def get_analyzer(account, region, name):
    return {"analyzer": _public(_found(account, region, name))}


def list_analyzers(account, region, query):
    kind = (query.get("type") or [None])[0]
    if kind is not None and kind not in TYPES:
        raise ApiError(400, "ValidationException", f"Invalid type {kind}", reason="FIELD_VALIDATION_FAILED")
    items = [_public(a) for a in sorted(ANALYZERS.get((account, region), {}).values(), key=lambda a: a["name"])
             if kind is None or a["type"] == kind]
    start = int((query.get("nextToken") or ["0"])[0] or 0)
    size = int((query.get("maxResults") or ["100"])[0] or 100)
    out = {"analyzers": items[start:start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


def delete_analyzer(account, region, name):
    with _LOCK:
        _found(account, region, name)
        del ANALYZERS[(account, region)][name]
    return None


# ------------------------------------------------------------------ the wire
def _route(method, path):
    """(operation, analyzer name or None) of a request; ResourceNotFoundException for anything else."""
    parts = [unquote(p) for p in path.split("/") if p]
    if parts == ["analyzer"] and method == "PUT":
        return "CreateAnalyzer", None
    if parts == ["analyzer"] and method == "GET":
        return "ListAnalyzers", None
    if len(parts) == 2 and parts[0] == "analyzer" and method == "GET":
        return "GetAnalyzer", parts[1]
    if len(parts) == 2 and parts[0] == "analyzer" and method == "DELETE":
        return "DeleteAnalyzer", parts[1]
    raise ApiError(404, "ResourceNotFoundException", f"{method} {path} is not modelled (moto_access_analyzer.py)")


def _authorize(environ, headers, body, account, region, operation, resource):
    """As moto authorizes its own services, through moto_iam.py's patched check (root keys unchecked)."""
    import moto_iam
    m = _CREDENTIAL.search(headers.get("Authorization", ""))
    if not m or m.group(1) in moto_iam.ROOT_KEYS:
        return
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        ActionAuthenticatorMixin.request_count += 1
        return
    from moto.iam.access_control import IAMRequest
    path = environ.get("PATH_INFO", "/") + (("?" + environ["QUERY_STRING"]) if environ.get("QUERY_STRING") else "")
    request = IAMRequest(account_id=account, method=environ["REQUEST_METHOD"], path=path, data={}, body=body,
                         headers=headers, action=operation)
    try:
        request.check_signature()
        request.check_action_permitted(resource)
    except Exception as e:  # noqa: BLE001 - moto's and moto_iam's denials, whatever their class
        message = getattr(e, "message", None) or getattr(e, "description", None) or str(e)
        raise ApiError(403, "AccessDeniedException", str(message)) from None


def wsgi_request(environ):
    """(headers, body) of a WSGI request, the headers named as the SDKs send them (what moto's IAM check reads)."""
    headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
    for k in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(k):
            headers[k.replace("_", "-").title()] = environ[k]
    headers["Authorization"] = environ.get("HTTP_AUTHORIZATION", "")
    if environ.get("HTTP_X_AMZ_SECURITY_TOKEN"):
        headers["X-Amz-Security-Token"] = environ["HTTP_X_AMZ_SECURITY_TOKEN"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return headers, environ["wsgi.input"].read(length) if length else b""


def app(environ, start_response):
    """The WSGI answer to one Access Analyzer request."""
    from moto.utilities.utils import get_partition
    from moto.iam.models import get_account_id_from
    headers, body = wsgi_request(environ)
    try:
        m = _CREDENTIAL.search(headers["Authorization"])
        if not m:
            raise ApiError(403, "AccessDeniedException", "Missing Authentication Token")
        region = m.group(2)
        partition = get_partition(region)
        account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or get_account_id_from(m.group(1))
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        operation, name = _route(method, path)
        payload = json.loads(body or b"{}") if body else {}
        resource_name = payload.get("analyzerName") if operation == "CreateAnalyzer" else name
        resource = _arn(partition, region, account, resource_name) if resource_name else "*"
        _authorize(environ, headers, body, account, region, operation, resource)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        result = {"CreateAnalyzer": lambda: create_analyzer(account, region, partition, payload),
                  "GetAnalyzer": lambda: get_analyzer(account, region, name),
                  "ListAnalyzers": lambda: list_analyzers(account, region, query),
                  "DeleteAnalyzer": lambda: delete_analyzer(account, region, name)}[operation]()
        out = b"" if result is None else json.dumps(result).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]
    except ApiError as e:
        out = json.dumps({"message": e.message, **e.fields}).encode()
        reason = {400: "Bad Request", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
                  409: "Conflict"}.get(e.status, "Error")
        start_response(f"{e.status} {reason}", [("Content-Type", "application/json"), ("x-amzn-ErrorType", e.code),
                                                ("Content-Length", str(len(out)))])
        return [out]
