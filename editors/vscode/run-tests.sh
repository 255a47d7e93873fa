#!/usr/bin/env bash
# Runs the Camp TextMate grammar tests (tests/*.camp, vscode-tmgrammar-test) and the
# keyword-coverage check (tests/keywords.js) against grammar/camp.lark.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund
npm test
