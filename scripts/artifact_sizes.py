#!/usr/bin/env python3
"""Zipped size of each function's java21 artifact, zipped the way `sam build` + `sam deploy` do.

An artifact is lib/*.jar: functions/<module>/target/lambda/lib after `mvn package` (the phase's
jar and its runtime dependencies), which functions/lambda.mk copies and rewrites with stored
entries (scripts/store_jars.py); `zipped_bytes` is that artifact zipped, `zipped_bytes_deflated_jars`
the same jars as Maven built them (deflated), for comparison. Functions that share
a CodeUri in template.yaml share one artifact, so each artifact is zipped and printed once, with
the functions it serves. The zip is deterministic (sorted entries, fixed timestamps, deflate at
zlib's default level, as SAM's zip), so its size is stable for the same jars.

Usage: scripts/artifact_sizes.py [--json] [--limit BYTES]
  --json   print one JSON object instead of a table (./palisade bench reads it)
  --limit  exit 1 when an artifact is larger (default 10 MB = 10,000,000 bytes; 0 = no limit)
"""
import argparse
import io
import json
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_jars import stored  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 10_000_000


def functions_by_code_uri(template: Path) -> dict:
    """{CodeUri: [function logical ids]} of the template's AWS::Serverless::Function resources."""
    uris, current, is_function = {}, None, False
    for line in template.read_text().splitlines():
        m = re.match(r"^  ([A-Za-z0-9]+):\s*$", line)
        if m:
            current, is_function = m.group(1), False
            continue
        if re.match(r"^    Type:\s*AWS::Serverless::Function\s*$", line):
            is_function = True
            continue
        m = re.match(r"^      CodeUri:\s*(\S+)\s*$", line)
        if m and current and is_function:
            uris.setdefault(m.group(1), []).append(current)
    return uris


def zipped_size(lib: Path, store: bool = True) -> int:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for jar in sorted(lib.glob("*.jar")):
            info = zipfile.ZipInfo("lib/" + jar.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = jar.read_bytes()
            z.writestr(info, stored(data) if store else data)
    return len(buf.getvalue())


def measure(root: Path = ROOT) -> list:
    rows = []
    for uri, functions in sorted(functions_by_code_uri(root / "template.yaml").items()):
        lib = root / uri / "target" / "lambda" / "lib"
        jars = sorted(lib.glob("*.jar")) if lib.is_dir() else []
        if not jars:
            raise SystemExit(f"{lib} has no jars: build first (./palisade maven package -DskipTests)")
        rows.append({
            "artifact": Path(uri).name,
            "code_uri": uri,
            "functions": sorted(functions),
            "jars": len(jars),
            # what Lambda unpacks (the jars stored); Lambda's limit on it is 250 MB
            "unzipped_bytes": sum(len(stored(j.read_bytes())) for j in jars),
            "zipped_bytes": zipped_size(lib),
            "zipped_bytes_deflated_jars": zipped_size(lib, store=False),
        })
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, default=LIMIT)
    args = parser.parse_args(argv)
    rows = measure()
    over = [r for r in rows if args.limit and r["zipped_bytes"] > args.limit]
    if args.json:
        json.dump({"limit_bytes": args.limit, "artifacts": rows}, sys.stdout, indent=2)
        print()
    else:
        print(f"{'artifact':<20} {'jars':>4} {'zipped bytes':>13} {'MB':>6} {'(jars deflated)':>15}  functions")
        for r in rows:
            print(f"{r['artifact']:<20} {r['jars']:>4} {r['zipped_bytes']:>13,} {r['zipped_bytes'] / 1e6:>6.2f}"
                  f" {r['zipped_bytes_deflated_jars'] / 1e6:>12.2f} MB  {', '.join(r['functions'])}")
    for r in over:
        print(f"{r['artifact']}: {r['zipped_bytes']:,} bytes zipped, over the {args.limit:,} limit", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
