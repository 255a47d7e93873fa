#!/usr/bin/env bash
# Builds and tests the Camp VS Code extension: the TextMate grammar tests (tests/*.camp,
# vscode-tmgrammar-test), the keyword-coverage check (tests/keywords.js) against
# grammar/camp.lark, the TypeScript build (npm run compile) and the extension's start-up
# check (tests/extension.js), then packages it (vsce, from the npm registry like the rest).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund
npm test
rm -f camp-lang-*.vsix
npm run package
