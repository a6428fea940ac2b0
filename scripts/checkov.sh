#!/usr/bin/env bash
# checkov (PyPI) over the synthesized CloudFormation templates: every check must pass, except those
# skipped in the CDK code next to their resource with a reason (`skipCheckov` in lib/nag.ts writes
# `Metadata.checkov.skip`). Usage: scripts/checkov.sh [template.json ...]
# (default: cdk.out/*/*.template.json, written by `npm run synth`). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
VENV=.fluxo/venv

if [ ! -x "$VENV/bin/checkov" ] || [ "$("$VENV/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  echo "installing checkov $CHECKOV_VERSION into $VENV ..."
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi

if [ "$#" -gt 0 ]; then
  templates=("$@")
else
  shopt -s nullglob
  templates=(cdk.out/*/*.template.json)
fi
if [ "${#templates[@]}" -eq 0 ]; then
  echo "no templates under cdk.out/: run npm run synth first" >&2
  exit 2
fi

report=$(mktemp)
trap 'rm -f "$report"' EXIT
echo "checkov $CHECKOV_VERSION over ${templates[*]}"
# --skip-download: no calls to the vendor's platform; the checks ship with the package.
# checkov exits 1 on a failed check; the summary below decides.
"$VENV/bin/checkov" --framework cloudformation --skip-download --output json --file "${templates[@]}" >"$report" || true
"$VENV/bin/python" - "$report" <<'PY'
import json, sys

with open(sys.argv[1]) as f:
    text = f.read()
try:
    data = json.loads(text)
except ValueError:
    sys.exit(f"checkov did not answer JSON:\n{text[:2000]}")
reports = data if isinstance(data, list) else [data]
passed = failed = skipped = 0
for report in reports:
    results = report.get("results", {})
    for check in results.get("failed_checks", []):
        print(f"FAILED {check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}")
    for check in results.get("skipped_checks", []):
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        if not reason.strip():
            print(f"SKIPPED WITHOUT A REASON {check['check_id']} {check['resource']} ({check['file_path']})")
            failed += 1
    summary = report.get("summary", {})
    passed += summary.get("passed", 0)
    failed += summary.get("failed", 0)
    skipped += summary.get("skipped", 0)
# Skipped checks all carry a reason in the CDK code (checked above); the closing line is the plain form.
print(f"checkov: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
