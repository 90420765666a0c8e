#!/usr/bin/env bash
# Lets Error Prone fix in place what it can fix by itself (explicit charsets, unused
# variables, missing @Override), then the build checks the rest. Review the diff afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
checks="${1:-DefaultCharset,MissingOverride}"
mvn -B -q clean test-compile \
  -Djavac.werror=-Xlint:all "-Dep.patch=-XepPatchChecks:$checks -XepPatchLocation:IN_PLACE" || true
git diff --stat
