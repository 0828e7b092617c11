"""Shared helpers of the harness tests in scripts/harness/ (test_*.py): plain functions, standard library only.

A test script sets `sys.dont_write_bytecode = True` before importing this module (no __pycache__ in the repo), then
records checks with check(), and ends with `return summary()` (prints "N passed, M failed"; 1 when any failed).
boto3/botocore are imported only by the helpers that need them, so test_fault_proxy.py still runs on a bare python3.

  checks     check, eq, harness_failure, summary, RESULTS
  waiting    poll, wait_for
  AWS errors refused, error_code, aws_client
  processes  free_port, make_tls, launch, stop, log_tail
  launchers  start_moto (moto_server.py), ministack_env, start_ministack / stop_ministack (ministack_server.py),
             ministack_main (the whole main() of a MiniStack test)
"""
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the repo
HERE = os.path.dirname(os.path.abspath(__file__))
# the ports of the emulators `./palisade local` / `test` start (and of parallel checkouts): never used here
RESERVED_PORTS = {4566, 5443, 5444, 6443, 6444, 6566, 7443, 7444, 7566, 8443, 8444, 8566}
TESTING_KEY = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
MINISTACK_ROLE = "arn:aws:iam::000000000000:role/palisade-test"  # MiniStack's account; it does not check the role
RESULTS = {"passed": 0, "failed": 0}


# ------------------------------------------------------------------ checks
def check(name, fn):
    """Run fn(); print PASS name, or FAIL name + the traceback; count it in RESULTS."""
    try:
        fn()
        RESULTS["passed"] += 1
        print(f"PASS {name}", flush=True)
    except Exception:  # noqa: BLE001
        RESULTS["failed"] += 1
        print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)


def eq(actual, expected, what=""):
    assert actual == expected, f"{what + ': ' if what else ''}expected {expected!r}, got {actual!r}"


def harness_failure(label="harness"):
    """Count the exception being handled (a set-up step, not a check) as a failure: FAIL label + traceback."""
    RESULTS["failed"] += 1
    print(f"FAIL {label}\n{traceback.format_exc()}", flush=True)


def run_groups(groups):
    """Each group of checks in turn: one whose set-up fails counts as a failure, and the next still runs."""
    for group in groups:
        try:
            group()
        except Exception:  # noqa: BLE001 - a set-up step failed: count it, go on with the next group
            harness_failure(f"{group.__name__} (set-up)")


def print_logs_if_failed(tmp):
    """After a run with a failure: the last lines of every server log in tmp, to see why."""
    if RESULTS["failed"] and os.path.exists(tmp):
        for name in os.listdir(tmp):
            if name.endswith(".log"):
                print(f"--- {name} (last 40 lines)")
                print(log_tail(f"{tmp}/{name}"))


def summary():
    """Print "N passed, M failed"; -> the exit status (1 when anything failed)."""
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed", flush=True)
    return 1 if RESULTS["failed"] else 0


# ------------------------------------------------------------------ waiting
def poll(get, done, timeout, interval=0.05):
    """The first get() for which done(value), or the last one after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    value = get()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(interval)
        value = get()
    return value


def wait_for(what, predicate, timeout, interval=0.1):
    """The first truthy predicate(); AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# ------------------------------------------------------------------ AWS calls (botocore imported when used)
def refused(fn, code, status, message=None):
    """fn() must fail with this error code and HTTP status (and message, when given)."""
    from botocore.exceptions import ClientError
    try:
        fn()
    except ClientError as e:
        err, meta = e.response["Error"], e.response["ResponseMetadata"]
        eq((err["Code"], meta["HTTPStatusCode"]), (code, status))
        if message is not None:
            eq(err.get("Message"), message)
        return
    raise AssertionError(f"accepted; expected {code}")


def error_code(fn):
    """The error code fn() fails with, None when it succeeds."""
    from botocore.exceptions import ClientError
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def aws_client(service, url, verify=None, creds=None, **config):
    """A boto3 client of an emulator at url: us-east-1, creds (default: the harness key "testing"), a botocore
    Config of one attempt updated with `config` (e.g. s3={"addressing_style": "path"}, read_timeout=60)."""
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", verify=verify, **(creds or TESTING_KEY),
                        config=Config(**{"retries": {"max_attempts": 1}, **config}))


# ------------------------------------------------------------------ processes
def free_port():
    """A free 127.0.0.1 port, never one of RESERVED_PORTS."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def make_tls(tmp):
    """CA + server cert for localhost/127.0.0.1 in tmp (same recipe as pal_ensure_tls in scripts/emulators.sh)
    -> {"ca", "cert", "key"}: file paths."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2", "-keyout", "ca.key", "-out",
        "ca.pem", "-subj", "/CN=Palisade Harness Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-addext", "subjectKeyIdentifier=hash")
    run("req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(tmp, "server.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-sha256", "-extfile", "server.ext", "-out", "server.pem")
    return {k: os.path.join(tmp, f) for k, f in (("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"))}


def launch(args, log_path, url, ready_path, env=None, cwd=None, ctx=None, interval=0.2, tries=300, group=False,
           name="launcher"):
    """Start args (output to log_path; group: in its own session/process group) and wait until GET url+ready_path
    answers -> the process. RuntimeError, with the log, when it exits or is not ready in time (it is stopped)."""
    log = open(log_path, "w")
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=group)
    log.close()  # the child holds its own descriptor
    for _ in range(tries):
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited {proc.returncode}: {log_tail(log_path, None)}")
        try:
            urllib.request.urlopen(f"{url}{ready_path}", context=ctx, timeout=2).close()
            return proc
        except OSError:
            time.sleep(interval)
    stop(proc, group)
    raise RuntimeError(f"{name} not ready on {url}: {log_tail(log_path, None)}")


def stop(proc, group=False):
    """SIGTERM proc (group: its whole process group), wait up to 10 s, then SIGKILL what is left (a group is always
    killed: it may hold workers). None: nothing to stop."""
    if proc is None:
        return

    def send(sig):
        try:
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except ProcessLookupError:
            pass
    send(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass
    if group or proc.poll() is None:
        send(signal.SIGKILL)
    proc.wait()


def log_tail(path, lines=40):
    """The last `lines` lines of a log file (None: all of it)."""
    with open(path) as f:
        return "".join(f.readlines()[-lines:] if lines else f.readlines())


# ------------------------------------------------------------------ the launchers under test
def start_moto(tmp, tls=None, host="localhost", env=None):
    """scripts/harness/moto_server.py on a free port, over HTTPS with tls (make_tls(tmp)) or plain HTTP; environment
    without AWS_*, MOTO_*, PALISADE_MOTO_* variables, plus env; log in tmp/moto-PORT.log -> (process, url)."""
    port = free_port()
    args = [sys.executable, os.path.join(HERE, "moto_server.py"), "-H", "127.0.0.1", "-p", str(port)]
    if tls:
        args += ["--ssl-cert", tls["cert"], "--ssl-key", tls["key"]]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "PALISADE_MOTO_"))}
    full_env.update({"PYTHONDONTWRITEBYTECODE": "1", **(env or {})})
    url = f"{'https' if tls else 'http'}://{host}:{port}"
    ctx = ssl.create_default_context(cafile=tls["ca"]) if tls else None
    return launch(args, f"{tmp}/moto-{port}.log", url, "/moto-api/data.json", env=full_env, ctx=ctx), url


def ministack_env(port, tmp):
    """As scripts/emulators.sh pal_start_ministack (plus IOT_MTLS_ENABLED=0: no MQTT listener on 8883)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALSTACK_"))}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_REGION="us-east-1", GATEWAY_PORT=str(port), BIND_HOST="127.0.0.1", MINISTACK_HOST="localhost",
               MINISTACK_REGION="us-east-1", IOT_MTLS_ENABLED="0", SFN_WAIT_SCALE="0", TMPDIR=tmp)
    return env


def start_ministack(tmp):
    """scripts/harness/ministack_server.py (run by this interpreter) on a free port, in its own process group, cwd
    and TMPDIR tmp, log tmp/ministack.log -> (process, url)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return launch([sys.executable, os.path.join(HERE, "ministack_server.py")], f"{tmp}/ministack.log", url,
                  "/_ministack/health", env=ministack_env(port, tmp), cwd=tmp, interval=0.1, group=True), url


def stop_ministack(proc):
    """SIGTERM the launcher's process group (it also holds the local Lambda workers), then SIGKILL what is left."""
    stop(proc, group=True)


def ministack_main(prefix, direct, e2e):
    """The main() of a MiniStack test: in a temp dir (prefix), direct(tmp) (in-process checks), then the launcher
    started, e2e(url, tmp), the launcher stopped. A set-up error counts as FAIL harness (with the log's tail).
    Prints how long it took and the summary -> the exit status."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        proc = None
        try:
            direct(tmp)
            proc, url = start_ministack(tmp)
            print(f"info: patched MiniStack ready on {url} after {time.monotonic() - started:.1f} s", flush=True)
            e2e(url, tmp)
        except Exception:  # noqa: BLE001
            harness_failure()
            if proc is not None and os.path.exists(f"{tmp}/ministack.log"):
                print("--- ministack.log (tail) ---\n" + log_tail(f"{tmp}/ministack.log"))
        finally:
            stop_ministack(proc)
    print(f"info: took {time.monotonic() - started:.1f} s", flush=True)
    return summary()


def run_with_moto(prefix, env, groups, setup=None):
    """A harness test's main: moto (TLS) in a temporary directory with `env`, `setup(url, ca)` (e.g. an organization),
    then each group; moto's log printed if anything failed. Returns summary()'s exit status."""
    server = None
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        try:
            tls = make_tls(tmp)
            server, url = start_moto(tmp, tls, env=env)
            if setup:
                setup(url, tls["ca"])
            run_groups(groups)
        except Exception:  # noqa: BLE001
            harness_failure()
        finally:
            stop(server)
            print_logs_if_failed(tmp)
    return summary()

