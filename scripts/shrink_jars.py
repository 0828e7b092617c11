#!/usr/bin/env python3
"""Shrink a function's lib/ in place with ProGuard: scripts/shrink_jars.py [options] LIB

Why: a function's artifact holds whole AWS SDK service modules (iam alone is 4 MB of jar) of
which it calls a few operations, and one-time-login the whole of BouncyCastle for one OpenPGP
path; unshrunk, six of the eight artifacts were over the 10 MB zipped target (issue 9,
scripts/artifact_sizes.py). Each phase module's `mvn package` runs this after it fills
target/lambda/lib (root pom, exec-maven-plugin), so `sam build`, artifact_sizes.py and the
emulator all see the shrunk jars.

What: the jars whose classes all lie under PROGRAM_PACKAGES (the SDK service modules,
BouncyCastle) are shrunk, with the Palisade jars as the code that uses them; every other jar
of LIB and the JDK's classes are libraries. The rules are functions/proguard.pro (shrink
only: no renaming, no optimization). The Palisade jars themselves are shipped as Maven built
them. Two passes, because ProGuard alone keeps every operation's request class of a service:
a used SDK interface method (AwsRequest.Builder.overrideConfiguration, ...) makes it keep the
default bridge methods of every request's Builder interface, and a used nested class keeps its
outer class (the request), its builder and every shape it refers to. So:
  1. ProGuard as configured: the service clients keep only the operations something calls;
  2. the request classes (<Op>Request and its nested classes) of the operations the sync
     client no longer has, and that no kept class but the client interfaces refers to (the S3
     endpoint resolver tests a request against every operation's class, so S3 keeps them all),
     are left out of pass 1's output, and ProGuard runs on the rest. A class that still refers
     to a left-out class is a ProGuard warning, and fails the build.
ProGuard needs the JDK's classes as a library; JDKs without jmods (Temurin 24+) have them only
in lib/modules, so they are extracted once with jimage into --jdk-cache.

  --java JAVA          java executable (ProGuard runs on it; jimage beside it)
  --classpath CP       ProGuard's classpath (proguard-base and its dependencies)
  --config FILE        the rules (functions/proguard.pro)
  --work DIR           configs, logs, ProGuard's classpath and the pass outputs (emptied first;
                       when the inputs are those of the last run, its result is used again)
  --jdk-cache DIR      where the extracted JDK classes are kept between builds
Prints one line (work/summary.txt has each jar's sizes); exit 1, with ProGuard's own words, when
ProGuard fails, warns or is given a keep rule for a class that does not exist.
"""
import argparse
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

# Jars all of whose classes lie under these packages are shrunk; the rest are libraries.
PROGRAM_PACKAGES = ("software/amazon/awssdk/services/", "org/bouncycastle/")
# The code that uses them: always read, kept whole by the rules, shipped unchanged.
OWN_JAR = re.compile(r"palisade-.*\.jar")
# The JDK modules any shrunk or library class refers to (the Lambda java21 runtime has them all).
JDK_MODULES = ("java.base", "java.logging", "java.xml", "java.naming", "java.sql", "java.management",
               "java.desktop", "java.net.http", "java.scripting", "java.instrument", "jdk.unsupported")
# Left out of shrunk jars: the signature files (a shrunk jar no longer matches them, and a signed
# jar whose entries changed fails to load) and the classes for later Java versions of a
# multi-release jar (the base classes serve every version; ProGuard would see them twice).
INPUT_FILTER = "!META-INF/versions/**,!META-INF/*.SF,!META-INF/*.DSA,!META-INF/*.RSA,!META-INF/*.EC"
# A service's client classes (IamClient, IamAsyncClient, DefaultIamClient, ...) refer to every
# operation's request. After pass 1 the client interfaces still do, in InnerClasses entries only
# (their default methods are those of the operations in use); the implementations keep the
# descriptor strings of the methods ProGuard removed in their constant pools, but no class
# constant of an unused request.
CLIENT_CLASS = re.compile(r"software/amazon/awssdk/services/[a-z0-9]+/[A-Za-z0-9]*Client")
CLIENT_INTERFACES_FILTER = ("!software.amazon.awssdk.services.*.Default*,!software.amazon.awssdk.services.*.Delegating*,"
                            "software.amazon.awssdk.services.*.*Client")


# --- class files ---------------------------------------------------------------------------

def _pool(data: bytes):
    """The constant pool of a class file: ({index: (tag, value)}, offset after it)."""
    count = struct.unpack_from(">H", data, 8)[0]
    pool, pos, i = {}, 10, 1
    while i < count:
        tag = data[pos]
        if tag == 1:  # Utf8
            n = struct.unpack_from(">H", data, pos + 1)[0]
            pool[i] = (1, data[pos + 3:pos + 3 + n].decode("utf-8", "replace"))
            pos += 3 + n
        elif tag in (7, 8, 16, 19, 20):  # Class, String, MethodType, Module, Package
            pool[i] = (tag, struct.unpack_from(">H", data, pos + 1)[0])
            pos += 3
        elif tag == 15:  # MethodHandle
            pos += 4
        elif tag in (3, 4, 9, 10, 11, 12, 17, 18):
            pos += 5
        elif tag in (5, 6):  # Long, Double: two slots
            pos += 9
            i += 1
        else:
            raise ValueError(f"constant pool tag {tag}")
        i += 1
    return pool, pos


def _skip_members(data: bytes, pos: int, names: list, pool: dict) -> int:
    count = struct.unpack_from(">H", data, pos)[0]
    pos += 2
    for _ in range(count):
        name = struct.unpack_from(">H", data, pos + 2)[0]
        names.append(pool[name][1])
        attributes = struct.unpack_from(">H", data, pos + 6)[0]
        pos += 8
        for _ in range(attributes):
            pos += 6 + struct.unpack_from(">I", data, pos + 2)[0]
    return pos


def method_names(data: bytes) -> set:
    """The names of the methods a class file declares."""
    pool, pos = _pool(data)
    interfaces = struct.unpack_from(">H", data, pos + 6)[0]
    pos += 8 + 2 * interfaces
    fields, methods = [], []
    pos = _skip_members(data, pos, fields, pool)
    _skip_members(data, pos, methods, pool)
    return set(methods)


DESCRIPTOR_CLASS = re.compile(r"L([\w/$]+)[;<]")
ACC_INTERFACE = 0x0200


def is_interface(data: bytes) -> bool:
    _, pos = _pool(data)
    return bool(struct.unpack_from(">H", data, pos)[0] & ACC_INTERFACE)


def referenced_classes(data: bytes, descriptors: bool = True) -> set:
    """Internal names of the classes a class file refers to: its class constants and (with
    descriptors) every class in a descriptor or signature string. A superset (a constant no
    longer in use counts too), which only makes pass 2 leave out less."""
    pool, _ = _pool(data)
    names = set()
    for tag, value in pool.values():
        if tag == 7:
            name = pool[value][1]
            names.add(name.lstrip("[").removeprefix("L").removesuffix(";"))
        elif tag == 1 and descriptors and "L" in value:
            names.update(DESCRIPTOR_CLASS.findall(value))
    return names


def classes(jar: Path):
    """(internal name, bytes) of each class in a jar."""
    with zipfile.ZipFile(jar) as z:
        for info in z.infolist():
            if info.filename.endswith(".class") and not info.filename.startswith("META-INF/"):
                yield info.filename[:-len(".class")], z.read(info)


# --- which jars, which classes -------------------------------------------------------------

def is_program_jar(jar: Path) -> bool:
    with zipfile.ZipFile(jar) as z:
        names = [n for n in z.namelist() if n.endswith(".class") and not n.startswith("META-INF/")]
    return bool(names) and all(n.startswith(PROGRAM_PACKAGES) for n in names)


def service_keep_rules(jars) -> list:
    """Keep rules for the providers that the shrunk jars name in META-INF/services (ServiceLoader
    instantiates them by name)."""
    rules = []
    for jar in jars:
        with zipfile.ZipFile(jar) as z:
            for name in z.namelist():
                if name.startswith("META-INF/services/") and not name.endswith("/"):
                    for line in z.read(name).decode().splitlines():
                        provider = line.split("#")[0].strip()
                        if provider:
                            rules.append(f"-keep class {provider} {{ <init>(); }}")
    return sorted(set(rules))


def unused_requests(original: Path, shrunk: Path, referrers: dict) -> list:
    """The request classes of the operations that pass 1 removed from the service's sync client,
    that no kept class refers to but those classes themselves and the client classes: internal
    names of <Op>Request and its nested classes. referrers: {class: classes that refer to it}."""
    shrunk_classes = dict(classes(shrunk))
    clients = [n for n in shrunk_classes if re.fullmatch(CLIENT_CLASS.pattern, n)
               and n.rsplit("/", 1)[1].startswith("Default") and not n.endswith("AsyncClient")]
    if len(clients) != 1:
        return []  # not an SDK service module (BouncyCastle), or one this does not know
    package, default_client = clients[0].rsplit("/", 1)
    interface = f"{package}/{default_client.removeprefix('Default')}"
    with zipfile.ZipFile(original) as z:
        operations = method_names(z.read(interface + ".class"))
    in_use = method_names(shrunk_classes[clients[0]])
    dropped = []
    for operation in sorted(operations - in_use):
        request = f"{package}/model/{operation[:1].upper()}{operation[1:]}Request"
        family = [n for n in shrunk_classes if n == request or n.startswith(request + "$")]
        outside = {r for n in family for r in referrers.get(n, ())} - set(family)
        if request in shrunk_classes and not outside:
            dropped.extend(family)
    return dropped


# --- ProGuard ------------------------------------------------------------------------------

def jdk_classes(java: Path, cache: Path) -> list:
    """One folder of class files per JDK module (JDK_MODULES), extracted from the runtime image."""
    home = java.resolve().parent.parent
    release = (home / "release").read_text() if (home / "release").is_file() else ""
    key = hashlib.sha256(f"{home}\n{release}\n{JDK_MODULES}".encode()).hexdigest()[:12]
    target = cache / f"jdk-{key}"
    if not target.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f"jdk-{key}.{os.getpid()}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        pattern = "regex:/(" + "|".join(re.escape(m) for m in JDK_MODULES) + ")/.*"
        subprocess.run([str(home / "bin" / "jimage"), "extract", "--dir", str(partial), "--include", pattern,
                        str(home / "lib" / "modules")], check=True)
        try:
            partial.rename(target)
        except OSError:  # a concurrent build got there first
            shutil.rmtree(partial, ignore_errors=True)
    return [target / m for m in JDK_MODULES if (target / m).is_dir()]


def proguard(args, name: str, inputs: list, libraries: list, extra: list) -> Path:
    """Run ProGuard with the rules, these inputs ((jar, filter) pairs), libraries (ProGuard class
    path entries) and extra options: work/<name>/ gets the output jars, work/<name>.pro and
    work/<name>.log the config and the log."""
    out = args.work / name
    lines = [f"-include '{args.config}'"]
    lines += [f"-injars '{jar}'({filter_})" for jar, filter_ in inputs]
    lines += [f"-outjars '{out}'"]
    lines += [f"-libraryjars {entry}" for entry in libraries]
    lines += extra
    config = args.work / f"{name}.pro"
    config.write_text("\n".join(lines) + "\n")
    log = args.work / f"{name}.log"
    with log.open("w") as f:
        # a short batch run: C1 only and the throughput collector take a few seconds off each pass
        rc = subprocess.run([str(args.java), "-XX:TieredStopAtLevel=1", "-XX:+UseParallelGC", "-cp", args.classpath,
                             "proguard.ProGuard", f"@{config}"],
                            stdout=f, stderr=subprocess.STDOUT).returncode
    text = log.read_text().splitlines()
    # a keep rule naming a class that does not exist keeps nothing: ProGuard only notes it
    unknown = [line for line in text if line.startswith("Note: the configuration refers to the unknown class")]
    if rc != 0 or unknown:
        shown = unknown or [line for line in text if not line.startswith("Note:")][-60:]
        sys.stderr.write("\n".join(shown) + f"\nshrink_jars: ProGuard {name} failed (rc={rc}); config {config}, log {log}\n")
        raise SystemExit(1)
    return out


def inputs_key(args, jars) -> str:
    """What the result depends on: each jar's entries (names, CRCs and sizes, not times: Maven
    re-creates the phase's jar on every package), the rules, this script, ProGuard's classpath
    and the JDK."""
    digest = hashlib.sha256()
    for jar in jars:
        with zipfile.ZipFile(jar) as z:
            entries = sorted((i.filename, i.CRC, i.file_size) for i in z.infolist())
        digest.update(f"{jar.name}\n{entries}\n".encode())
    for path in (args.config, Path(__file__)):
        digest.update(path.read_bytes())
    digest.update(f"{args.classpath}\n{args.java.resolve()}".encode())
    return digest.hexdigest()


def install(program, pass2: Path, work: Path) -> tuple:
    """Copy the shrunk jars over the originals; (bytes before, bytes after)."""
    lines, before, after = [], 0, 0
    for jar in program:
        size = jar.stat().st_size
        shutil.copyfile(pass2 / jar.name, jar)
        lines.append(f"{jar.name} {size:,} -> {jar.stat().st_size:,} bytes")
        before, after = before + size, after + jar.stat().st_size
    (work / "summary.txt").write_text("\n".join(lines) + "\n")
    return before, after


def shrink(args) -> int:
    jars = sorted(args.lib.glob("*.jar"))
    own = [j for j in jars if OWN_JAR.fullmatch(j.name)]
    program = [j for j in jars if j not in own and is_program_jar(j)]
    if not program:
        return 0
    key, key_file = inputs_key(args, jars), args.work / "inputs.sha256"
    if key_file.is_file() and key_file.read_text() == key and all((args.work / "pass2" / j.name).is_file() for j in program):
        # the same inputs as the last run (./palisade test packages twice): its result
        before, after = install(program, args.work / "pass2", args.work)
        print(f"shrink_jars: {len(program)} jars {before:,} -> {after:,} bytes, unchanged inputs: the last result "
              f"({args.work / 'summary.txt'})")
        return 0
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    (args.work / "classpath.txt").write_text(args.classpath)  # to run a .pro here again by hand
    libraries = [f"'{j}'" for j in jars if j not in own and j not in program]
    libraries += [f"'{m}'(!module-info.class)" for m in jdk_classes(args.java, args.jdk_cache)]
    keep = service_keep_rules(program)

    # pass 1: as configured (its output only feeds pass 2, which recomputes the StackMapTable frames
    # and compresses)
    pass1 = proguard(args, "pass1", [(j, INPUT_FILTER) for j in own + program], libraries,
                     keep + ["-dontpreverify", "-dontcompress"])

    # pass 2: pass 1's output less the request classes of the operations no one calls
    referrers = {}
    for jar in sorted(pass1.glob("*.jar")):
        for name, data in classes(jar):
            client = CLIENT_CLASS.fullmatch(name)
            if client and is_interface(data):
                continue
            for target in referenced_classes(data, descriptors=not client):
                referrers.setdefault(target, set()).add(name)
    inputs = [(pass1 / j.name, "") for j in own]
    left_out = 0
    for jar in program:
        names = unused_requests(jar, pass1 / jar.name, referrers)
        left_out += len(names)
        inputs.append((pass1 / jar.name, ",".join(f"!{n}.class" for n in names)))
    # the client interfaces' InnerClasses entries of left-out requests are expected
    pass2 = proguard(args, "pass2", inputs, libraries, keep + [f"-dontwarn {CLIENT_INTERFACES_FILTER}"])

    before, after = install(program, pass2, args.work)
    key_file.write_text(key)
    print(f"shrink_jars: {len(program)} jars {before:,} -> {after:,} bytes, {left_out} request classes of "
          f"unused operations left out ({args.work / 'summary.txt'})")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lib", type=Path)
    parser.add_argument("--java", type=Path, required=True)
    parser.add_argument("--classpath", required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--jdk-cache", type=Path, required=True)
    args = parser.parse_args(argv)
    # ProGuard reads paths in a config file relative to that file
    for name in ("lib", "config", "work", "jdk_cache"):
        setattr(args, name, getattr(args, name).resolve())
    try:
        return shrink(args)
    except BaseException:
        # never leave an unshrunk lib behind that looks built (functions/lambda.mk would ship it)
        for jar in args.lib.glob("*.jar"):
            jar.unlink()
        raise


if __name__ == "__main__":
    sys.exit(main())
