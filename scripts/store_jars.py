#!/usr/bin/env python3
"""Rewrite jars with their entries stored (not deflated), in place: scripts/store_jars.py DIR...

Why: a Lambda artifact is a zip of lib/*.jar. A jar deflates each class file on its own, and a
deflated file does not compress again, so the artifact zip could not shrink them further. Stored
inside, the jars are compressed by the artifact zip as one stream each, where the many similar
class files of an SDK service module share their strings: the zipped artifact is about 40 %
smaller (scripts/artifact_sizes.py shows both). The JVM reads stored entries as it reads deflated
ones (without inflating them); contents, names, order and times are kept, so a signed jar's
signature still holds. The unzipped size grows (about 3x, far below Lambda's 250 MB).
"""
import io
import sys
import zipfile
from pathlib import Path


# Entries no Lambda function loads, left out: GraalVM native-image metadata (read only by the
# native-image builder) and log4j-core's command-line tools (org.apache.logging.log4j.core.tools:
# picocli and the logger-wrapper generators, run by hand, referenced by nothing else in the jar),
# and Maven's copies of each jar's pom.xml/pom.properties (build metadata; the SDK, Jackson and
# Powertools take their versions from classes or their own properties files, not from these).
UNUSED = ("META-INF/native-image/", "org/apache/logging/log4j/core/tools/", "META-INF/maven/")


def stored(data: bytes) -> bytes:
    """The jar in `data` with every entry stored and the UNUSED ones left out; a jar already so
    comes back unchanged."""
    src = zipfile.ZipFile(io.BytesIO(data))
    if all(i.compress_type == zipfile.ZIP_STORED and not i.filename.startswith(UNUSED) for i in src.infolist()):
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if info.filename.startswith(UNUSED):
                continue
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_STORED
            copy.external_attr = info.external_attr
            copy.comment = info.comment
            dst.writestr(copy, src.read(info))
    return out.getvalue()


def main(argv) -> int:
    if not argv:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    for folder in argv:
        for jar in sorted(Path(folder).glob("*.jar")):
            data = jar.read_bytes()
            new = stored(data)
            if new is not data:
                jar.write_bytes(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
