#!/usr/bin/env python3
"""Prowler against the emulated organization: `prowler` with one client-side endpoint rule for S3 Control.

  .palisade/venv-prowler/bin/python scripts/harness/prowler_local.py aws ...   (same arguments as `prowler`)

WHY: boto3 sends every client to AWS_ENDPOINT_URL (moto), but S3 Control's endpoint rules put the account id in the
host name: GetPublicAccessBlock goes to https://<account>.localhost:<port>/v20180820/... (botocore's ruleset, not a
host prefix: AWS_DISABLE_HOST_PREFIX_INJECTION does not remove it). `<account>.localhost` does not resolve here
(/etc/hosts names only localhost) and would not match the emulator's TLS certificate, so Prowler's S3 Control reads
(account-level Block Public Access, access points) fail and its checks silently have no finding. This wrapper puts
the endpoint's own host back for s3control requests whose host is `<digits>.<endpoint host>`, before the request is
signed (so the signature covers the host moto sees); moto routes /v20180820/ paths to S3 Control and reads the
account from the x-amz-account-id header botocore sends anyway. Nothing else changes; without AWS_ENDPOINT_URL it
is plain Prowler. scripts/audit.py uses it only with --local.
"""
import os
import sys
from urllib.parse import urlsplit, urlunsplit

import botocore.client

ENDPOINT = urlsplit(os.environ.get("AWS_ENDPOINT_URL", ""))
_create_client = botocore.client.ClientCreator.create_client


def account_host_to_endpoint(url, endpoint=ENDPOINT):
    """https://<12 digits>.<endpoint host>:<port>/path -> https://<endpoint host>:<port>/path; any other URL as is."""
    u = urlsplit(url)
    host = u.hostname or ""
    label, _, rest = host.partition(".")
    if endpoint.hostname and rest == endpoint.hostname and label.isdigit() and u.port == endpoint.port:
        return urlunsplit(u._replace(netloc=endpoint.netloc))
    return url


def _before_sign(request, **_):
    request.url = account_host_to_endpoint(request.url)


def create_client(self, service_name, *args, **kwargs):
    client = _create_client(self, service_name, *args, **kwargs)
    if service_name == "s3control" and ENDPOINT.hostname:
        client.meta.events.register("before-sign.s3-control", _before_sign)
    return client


if __name__ == "__main__":
    botocore.client.ClientCreator.create_client = create_client
    from prowler.__main__ import prowler

    sys.argv[0] = "prowler"
    sys.exit(prowler())
