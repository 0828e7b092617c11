"""Centralized root access for member accounts, as a faithful minimal model: moto 5.2.5 has none of its APIs
(IAM EnableOrganizationsRootCredentialsManagement / EnableOrganizationsRootSessions / Disable* /
ListOrganizationsFeatures answered 500, STS AssumeRoot did not exist) and keeps no credentials of a root user.
Applied by moto_server.py (apply_patches), after moto_iam.py.

AWS (IAM User Guide, "Centrally manage root access for member accounts"; IAM API Reference for the five IAM calls;
STS API Reference, AssumeRoot):
 - the management account turns on trusted access for iam.amazonaws.com in Organizations, then enables the features
   RootCredentialsManagement and RootSessions;
 - the management account (or a delegated administrator for IAM) calls sts:AssumeRoot with a member account as
   TargetPrincipal and one of the AWS managed root-task policies as TaskPolicyArn, and receives credentials (at most
   900 seconds) that act as that member's root user, allowed only what the task policy allows;
 - with IAMAuditRootUserCredentials such a session reads the root user's password (GetLoginProfile), access keys
   (ListAccessKeys), MFA devices (ListMFADevices) and signing certificates (ListSigningCertificates), each called
   without UserName (the caller's own user: the root user); with IAMDeleteRootUserCredentials it deletes them.

MODELLED:
 1. IAM Enable/DisableOrganizationsRootCredentialsManagement, Enable/DisableOrganizationsRootSessions and
    ListOrganizationsFeatures, with the API Reference's errors, checked in this order:
    OrganizationNotFoundException (the caller's account is in no organization),
    OrganizationNotInAllFeaturesModeException, CallerIsNotManagementAccountException (Enable*: only the management
    account), AccountNotManagementOrDelegatedAdministratorException (Disable*, List*: the management account or a
    delegated administrator for iam.amazonaws.com), ServiceAccessNotEnabledException (no trusted access for
    iam.amazonaws.com). The answer is {OrganizationId, EnabledFeatures}; enabling twice changes nothing.
 2. STS AssumeRoot(TargetPrincipal, TaskPolicyArn.arn, DurationSeconds): refused (AccessDenied) unless the caller's
    account is the management account or a delegated administrator for IAM, RootSessions is enabled, and the target
    (an account id or arn:aws:iam::<id>:root) is a member account of the same organization, not the management
    account; refused when the caller is itself a root session. TaskPolicyArn must be one of the five root-task
    policies (ValidationError otherwise), DurationSeconds 0..900 (default 900). The identity policy check of
    sts:AssumeRoot is moto_iam.py's, with resource arn:aws:iam::<target>:root and the key sts:TaskPolicyArn.
    The answer's credentials (ASIA... with a session token) act in the target account (GetCallerIdentity:
    arn:aws:iam::<target>:root) and are allowed exactly the task policy's statements (moto_iam.py evaluates them
    as the session's only identity policy).
 0. moto refused EnableAWSServiceAccess for iam.amazonaws.com ("unrecognized service principal") and an IAM policy
    naming arn:aws:iam::<account>:root (MalformedPolicyDocument); AWS accepts both (sts:AssumeRoot's resource type
    is "root", Service Authorization Reference). Both are accepted here.
 3. The root user's credentials of each account, as data: a login profile (password), access keys, MFA devices and
    signing certificates. Read and deleted by a root session (2) through GetLoginProfile, DeleteLoginProfile,
    CreateLoginProfile (IAMCreateRootUserPassword), ListAccessKeys, DeleteAccessKey, ListMFADevices,
    DeactivateMFADevice, ListSigningCertificates, DeleteSigningCertificate, each without UserName (with a UserName
    these are moto's IAM-user calls). The harness root key acts as the root user of the account its request names
    (x-moto-account-id, moto_iam.py patch 1), so a test makes a member's root credentials as the root user would on
    AWS: CreateAccessKey, CreateLoginProfile, EnableMFADevice, UploadSigningCertificate without UserName.

NOT MODELLED (say so where it matters):
 a. Root-session credentials never expire (as no moto credential does); the signing-key of a root access key made
    here is not accepted as a credential (a request signed with it is unknown to moto).
 b. The root-task policies are local copies of their actions (ROOT_TASK_POLICIES), Resource "*"; AWS may revise
    them. S3UnlockBucketPolicy / SQSUnlockQueuePolicy sessions get their actions but nothing else is modelled.
 c. CloudTrail records nothing (moto has no event history of calls), so an EventBridge rule on AssumeRoot events
    never fires locally.
 d. IAM GetAccountSummary (AccountMFAEnabled, AccountAccessKeysPresent, ...) and the credential report do not read
    this model.
 e. A delegated administrator for IAM is read from Organizations' RegisterDelegatedAdministrator as moto keeps it.
"""
import datetime
import json
import logging
import re
import secrets
import threading

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult

import moto_server

log = logging.getLogger("palisade.moto_root_access")
IAM_PRINCIPAL = "iam.amazonaws.com"
FEATURES = ("RootCredentialsManagement", "RootSessions")
_ROOT_TASK = "arn:aws:iam::aws:policy/root-task/"


def _policy(*actions):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


# AWS managed policies for root sessions (IAM User Guide, "AWS managed policies for AWS Identity and Access
# Management": IAMAuditRootUserCredentials, IAMCreateRootUserPassword, IAMDeleteRootUserCredentials,
# S3UnlockBucketPolicy, SQSUnlockQueuePolicy); limitation b.
ROOT_TASK_POLICIES = {
    _ROOT_TASK + "IAMAuditRootUserCredentials": _policy(
        "iam:GetAccountSummary", "iam:GetLoginProfile", "iam:GetUser", "iam:ListAccessKeys", "iam:ListMFADevices",
        "iam:ListSigningCertificates"),
    _ROOT_TASK + "IAMCreateRootUserPassword": _policy(
        "iam:CreateLoginProfile", "iam:GetAccountSummary", "iam:GetLoginProfile", "iam:GetUser"),
    _ROOT_TASK + "IAMDeleteRootUserCredentials": _policy(
        "iam:DeactivateMFADevice", "iam:DeleteLoginProfile", "iam:DeleteSigningCertificate", "iam:DeleteAccessKey",
        "iam:GetAccessKeyLastUsed", "iam:GetAccountSummary", "iam:GetLoginProfile", "iam:GetUser",
        "iam:ListAccessKeys", "iam:ListMFADevices", "iam:ListSigningCertificates"),
    _ROOT_TASK + "S3UnlockBucketPolicy": _policy("s3:DeleteBucketPolicy", "s3:GetBucketPolicy"),
    _ROOT_TASK + "SQSUnlockQueuePolicy": _policy("sqs:GetQueueAttributes", "sqs:SetQueueAttributes"),
}
MAX_DURATION = 900

_LOCK = threading.RLock()
_features = {}  # organization id -> set of enabled features
_sessions = {}  # access key id -> RootSession
_root = {}  # account id -> RootCredentials
_original = {}


class RootCredentials:
    """The root user's own credentials in one account."""

    def __init__(self):
        self.login_profile = None  # {"CreateDate": ..., "PasswordResetRequired": bool}
        self.access_keys = {}  # id -> {"AccessKeyId", "Status", "CreateDate"}
        self.mfa_devices = {}  # serial -> {"SerialNumber", "EnableDate"}
        self.signing_certificates = {}  # id -> {"CertificateId", "CertificateBody", "Status", "UploadDate"}


def root_credentials(account):
    with _LOCK:
        return _root.setdefault(account, RootCredentials())


class RootSession:
    """Credentials AssumeRoot issued: the target account's root user, allowed what the task policy allows."""

    def __init__(self, account, task_policy_arn, access_key, duration):
        self.account = account
        self.task_policy_arn = task_policy_arn
        self.access_key_id = access_key.access_key_id
        self.secret_access_key = access_key.secret_access_key
        from moto.sts.utils import random_session_token
        self.session_token = random_session_token()
        self.expiration = _now() + datetime.timedelta(seconds=duration)


class RootSessionAccessKey:
    """moto's access-key interface (moto.iam.access_control) for a root session."""

    def __init__(self, session, partition):
        self._session = session
        self.account_id = session.account
        self.partition = partition

    @property
    def arn(self):
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def create_credentials(self):
        from botocore.credentials import Credentials
        return Credentials(self._session.access_key_id, self._session.secret_access_key, self._session.session_token)

    def collect_policies(self):
        return [ROOT_TASK_POLICIES[self._session.task_policy_arn]]


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


# ------------------------------------------------------------------ errors (IAM and STS API References)
class _Error(ServiceException):
    def __init__(self, code, message):
        super().__init__(code, message)


# moto finds the service model of an error by its module's name when that starts with "moto" (moto.<service>...):
# this module's does ("moto_root_access") but names no service, so the error is serialized by the model of the
# service being called
_Error.__module__ = "palisade_harness"


def _iam_error(code, message):
    return _Error(code, message)


def _access_denied(message):
    return _Error("AccessDenied", message)


# ------------------------------------------------------------------ organizations
def organization_of(account):
    """(organizations backend of the organization, management account id) of an account, or (None, None)."""
    from moto.organizations.models import organizations_backends
    master, partition = organizations_backends.master_accounts.get(account, (account, "aws"))
    for part in (partition, "global"):
        try:
            backend = organizations_backends[master][part]
        except KeyError:
            continue
        if getattr(backend, "org", None) is not None:
            return backend, master
    return None, None


def _delegated_for_iam(backend, account):
    for admin in getattr(backend, "admins", []):
        if getattr(admin.account, "id", None) == account and IAM_PRINCIPAL in getattr(admin, "services", {}):
            return True
    return False


def _trusted(backend):
    return any(s.get("ServicePrincipal") == IAM_PRINCIPAL for s in backend.services)


def _checked_org(account, management_only):
    """The organization backend after the API Reference's checks for the caller's account."""
    backend, master = organization_of(account)
    if backend is None:
        raise _iam_error("OrganizationNotFoundException",
                         "The request failed because the account is not a member of an organization.")
    if getattr(backend.org, "feature_set", "ALL") != "ALL":
        raise _iam_error("OrganizationNotInAllFeaturesModeException",
                         "The request failed because your organization does not have all features enabled.")
    if account != master:
        if management_only:
            raise _iam_error("CallerIsNotManagementAccountException",
                             "The request was rejected because the caller is not the management account.")
        if not _delegated_for_iam(backend, account):
            raise _iam_error("AccountNotManagementOrDelegatedAdministratorException",
                             "The request was rejected because the account making the request is not the management "
                             "account or delegated administrator account for centralized root access.")
    if not _trusted(backend):
        raise _iam_error("ServiceAccessNotEnabledException",
                         "The request failed because trusted access for IAM is not enabled in AWS Organizations.")
    return backend


def enabled_features(organization_id):
    with _LOCK:
        return set(_features.get(organization_id, set()))


def _features_answer(backend):
    return ActionResult({"OrganizationId": backend.org.id, "EnabledFeatures": sorted(enabled_features(backend.org.id))})


def _change_feature(response, feature, enable):
    backend = _checked_org(response.current_account, management_only=enable)
    with _LOCK:
        features = _features.setdefault(backend.org.id, set())
        (features.add if enable else features.discard)(feature)
    return _features_answer(backend)


# ------------------------------------------------------------------ IAM: the organization features
def enable_organizations_root_credentials_management(self):
    return _change_feature(self, "RootCredentialsManagement", True)


def disable_organizations_root_credentials_management(self):
    return _change_feature(self, "RootCredentialsManagement", False)


def enable_organizations_root_sessions(self):
    return _change_feature(self, "RootSessions", True)


def disable_organizations_root_sessions(self):
    return _change_feature(self, "RootSessions", False)


def list_organizations_features(self):
    return _features_answer(_checked_org(self.current_account, management_only=False))


# ------------------------------------------------------------------ STS AssumeRoot
def session_of(access_key_id):
    with _LOCK:
        return _sessions.get(access_key_id)


def _target_account(principal):
    m = re.fullmatch(r"(\d{12})|arn:aws[a-z-]*:iam::(\d{12}):root", principal or "")
    if not m:
        raise _Error("ValidationError", f"TargetPrincipal {principal!r} is not an account id or an account's root ARN")
    return m.group(1) or m.group(2)


def assume_root(self):
    principal = self._get_param("TargetPrincipal")
    task = self._get_param("TaskPolicyArn.arn") or self._get_param("TaskPolicyArn.Arn")
    duration = self._get_int_param("DurationSeconds", MAX_DURATION)
    target = _target_account(principal)
    if task not in ROOT_TASK_POLICIES:
        raise _Error("ValidationError", f"TaskPolicyArn {task!r} is not a root-task policy ({_ROOT_TASK}...)")
    if not 0 <= duration <= MAX_DURATION:
        raise _Error("ValidationError", f"DurationSeconds {duration} is outside 0..{MAX_DURATION}")
    caller = self.current_account
    if session_of(self.get_access_key()) is not None:
        raise _access_denied("You cannot use root user credentials to call AssumeRoot.")
    backend, master = organization_of(caller)
    if backend is None or (caller != master and not _delegated_for_iam(backend, caller)):
        raise _access_denied(f"Account {caller} is not the management account or a delegated administrator for IAM.")
    if "RootSessions" not in enabled_features(backend.org.id):
        raise _access_denied("Centralized root access: the organization has not enabled RootSessions.")
    if target == master or not any(a.id == target for a in backend.accounts):
        raise _access_denied(f"Account {target} is not a member account of organization {backend.org.id}.")
    from moto.iam.models import iam_backends
    key = iam_backends[target]["global"].create_temp_access_key()
    session = RootSession(target, task, key, duration)
    with _LOCK:
        _sessions[session.access_key_id] = session
    log.info("AssumeRoot: %s -> root of %s with %s", caller, target, task.rsplit("/", 1)[-1])
    return ActionResult({"Credentials": {"AccessKeyId": session.access_key_id,
                                         "SecretAccessKey": session.secret_access_key,
                                         "SessionToken": session.session_token,
                                         "Expiration": session.expiration},
                         "SourceIdentity": None})


# ------------------------------------------------------------------ IAM: the root user's credentials
def _root_caller(response):
    """The RootCredentials the call acts on, or None: a call with no UserName by a root session, or by the harness
    root key (the root user of the account its request names)."""
    if response._get_param("UserName"):
        return None
    import moto_iam
    key = moto_iam._access_key_of(response)[0]  # moto's get_access_key() knows only AKIA/ASIA ids, not "testing"
    if session_of(key) is not None or key in moto_iam.ROOT_KEYS:
        return root_credentials(response.current_account)
    return None


def _root_routed(name, handler):
    original = _original[name]

    def routed(self):
        creds = _root_caller(self)
        return original(self) if creds is None else handler(self, creds)

    routed.__name__ = name
    return routed


def _no_entity(what):
    return _iam_error("NoSuchEntity", f"{what} cannot be found.")


def _get_login_profile(self, creds):
    if creds.login_profile is None:
        raise _no_entity("Login Profile for User root")
    return ActionResult({"LoginProfile": {"UserName": "root", **creds.login_profile}})


def _create_login_profile(self, creds):
    with _LOCK:
        if creds.login_profile is not None:
            raise _iam_error("EntityAlreadyExists", "Login Profile for user root already exists.")
        creds.login_profile = {"CreateDate": _now(),
                               "PasswordResetRequired": self._get_bool_param("PasswordResetRequired", False)}
    return ActionResult({"LoginProfile": {"UserName": "root", **creds.login_profile}})


def _delete_login_profile(self, creds):
    with _LOCK:
        if creds.login_profile is None:
            raise _no_entity("Login Profile for User root")
        creds.login_profile = None
    return EmptyResult()


def _create_access_key(self, creds):
    from moto.iam.utils import _random_uppercase_or_digit_sequence, random_alphanumeric
    key = {"AccessKeyId": "AKIA" + _random_uppercase_or_digit_sequence(16), "Status": "Active", "CreateDate": _now()}
    with _LOCK:
        creds.access_keys[key["AccessKeyId"]] = key
    return ActionResult({"AccessKey": {"UserName": "root", **key, "SecretAccessKey": random_alphanumeric(40)}})


def _list_access_keys(self, creds):
    return ActionResult({"AccessKeyMetadata": [dict(k) for k in creds.access_keys.values()], "IsTruncated": False})


def _delete_access_key(self, creds):
    key = self._get_param("AccessKeyId")
    with _LOCK:
        if creds.access_keys.pop(key, None) is None:
            raise _no_entity(f"The Access Key with id {key}")
    return EmptyResult()


def _enable_mfa_device(self, creds):
    serial = self._get_param("SerialNumber")
    with _LOCK:
        if serial in creds.mfa_devices:
            raise _iam_error("EntityAlreadyExists", f"Device {serial} is already in use.")
        creds.mfa_devices[serial] = {"SerialNumber": serial, "EnableDate": _now()}
    return EmptyResult()


def _list_mfa_devices(self, creds):
    return ActionResult({"MFADevices": [{"UserName": "root", **d} for d in creds.mfa_devices.values()],
                         "IsTruncated": False})


def _deactivate_mfa_device(self, creds):
    serial = self._get_param("SerialNumber")
    with _LOCK:
        if creds.mfa_devices.pop(serial, None) is None:
            raise _no_entity(f"MFA Device with serial number {serial}")
    return EmptyResult()


def _upload_signing_certificate(self, creds):
    cert = {"CertificateId": secrets.token_hex(16).upper(), "CertificateBody": self._get_param("CertificateBody"),
            "Status": "Active", "UploadDate": _now()}
    with _LOCK:
        creds.signing_certificates[cert["CertificateId"]] = cert
    return ActionResult({"Certificate": {"UserName": "root", **cert}})


def _list_signing_certificates(self, creds):
    return ActionResult({"Certificates": [{"UserName": "root", **c} for c in creds.signing_certificates.values()],
                         "IsTruncated": False})


def _delete_signing_certificate(self, creds):
    cert = self._get_param("CertificateId")
    with _LOCK:
        if creds.signing_certificates.pop(cert, None) is None:
            raise _no_entity(f"The Certificate with id {cert}")
    return EmptyResult()


_ROOT_CALLS = {
    "get_login_profile": _get_login_profile, "create_login_profile": _create_login_profile,
    "delete_login_profile": _delete_login_profile, "create_access_key": _create_access_key,
    "list_access_keys": _list_access_keys, "delete_access_key": _delete_access_key,
    "enable_mfa_device": _enable_mfa_device, "list_mfa_devices": _list_mfa_devices,
    "deactivate_mfa_device": _deactivate_mfa_device, "upload_signing_certificate": _upload_signing_certificate,
    "list_signing_certificates": _list_signing_certificates, "delete_signing_certificate": _delete_signing_certificate,
}


# ------------------------------------------------------------------ wiring
def apply_patches():
    """Idempotent; exits loudly (through moto_server._require) if moto no longer has what we patch."""
    if _original:
        return
    from moto.iam import access_control
    from moto.iam.responses import IamResponse
    from moto.sts.models import STSBackend
    from moto.sts.responses import TokenResponse
    from moto.utilities.utils import get_partition

    for name in _ROOT_CALLS:
        _original[name] = moto_server._require(IamResponse, name, ["self"])
    _original["create_access_key_of"] = make_key = moto_server._require(
        access_control, "create_access_key", ["account_id", "partition", "access_key_id", "headers"])
    _original["get_caller_identity"] = identity = moto_server._require(
        STSBackend, "get_caller_identity", ["self", "access_key_id", "region"])
    for name in ("assume_root", "enable_organizations_root_sessions", "list_organizations_features"):
        if hasattr(TokenResponse if name == "assume_root" else IamResponse, name):
            moto_server.sys.exit(f"moto_root_access.py: moto now has {name}; re-check this model")

    def create_access_key(account_id, partition, access_key_id, headers):  # a root session's key
        session = session_of(access_key_id)
        if session is None:
            return make_key(account_id, partition, access_key_id, headers)
        if headers.get("X-Amz-Security-Token") != session.session_token:
            raise access_control.CreateAccessKeyFailure(reason="InvalidToken")
        return RootSessionAccessKey(session, partition)

    def get_caller_identity(self, access_key_id, region):
        session = session_of(access_key_id)
        if session is None:
            return identity(self, access_key_id, region)
        return session.account, f"arn:{get_partition(region)}:iam::{session.account}:root", session.account

    from moto.iam import policy_validation  # "arn:aws:iam::<account>:root", sts:AssumeRoot's resource type
    paths = moto_server._require(policy_validation, "VALID_RESOURCE_PATH_STARTING_VALUES")["iam"]["values"]
    paths.append("root")
    from moto.organizations.models import FakeServiceAccess  # IAM integrates with Organizations (trusted access)
    trusted = moto_server._require(FakeServiceAccess, "TRUSTED_SERVICES")
    if IAM_PRINCIPAL not in trusted:
        trusted.append(IAM_PRINCIPAL)
    access_control.create_access_key = create_access_key
    STSBackend.get_caller_identity = get_caller_identity
    TokenResponse.assume_root = assume_root
    for fn in (enable_organizations_root_credentials_management, disable_organizations_root_credentials_management,
               enable_organizations_root_sessions, disable_organizations_root_sessions, list_organizations_features):
        setattr(IamResponse, fn.__name__, fn)
    for name, handler in _ROOT_CALLS.items():
        setattr(IamResponse, name, _root_routed(name, handler))
