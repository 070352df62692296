#!/usr/bin/env bash
# The package as a user gets it: `npm pack` (prepare builds dist/), the tarball installed into a scratch
# project beside xstate, typescript and vitest, then, in that project: what the tarball holds, one copy
# of xstate, the user's strict `tsc --noEmit` under node16, nodenext and bundler resolution with no
# error from vmbus-check, a misspelt cell in a typed model (vocabularyFor) reported as a type error, the
# CLI on the user's model and on the built-ins, a bare `vmbus-check` run of the project's config file
# over several models (JUnit validated, SARIF code flows into the shipped model sources), the vitest
# matchers in the user's test, and the CLI's start-up time (`vmbus-check list`, CPU-seconds). Run by
# .ci/run; it needs the npm registry (or npm's cache) for the scratch project's xstate, typescript and vitest.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "package check: $*" >&2; exit 1; }
version() { node -p "require('$repo/node_modules/$1/package.json').version"; }

cd "$repo"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
listing="$(tar -tzf "$tarball")"
for unwanted in package/test/ package/bench/ package/.ci/ package/checker/ package/cli/ package/tsconfig.json; do
  if grep -q "^$unwanted" <<<"$listing"; then fail "the tarball holds $unwanted"; fi
done
# Every export's files are in the tarball.
for f in $(node -e "const p = require('./package.json'); for (const e of Object.values(p.exports)) for (const f of typeof e === 'string' ? [e] : Object.values(e)) console.log(f.replace(/^\.\//, ''))"); do
  grep -qx "package/$f" <<<"$listing" || fail "export $f is not in the tarball"
done
# The built-in models' sources, which dist/'s source maps and SARIF code flows point at.
grep -qx 'package/models/synic.ts' <<<"$listing" || fail "the tarball lacks the models' sources"
grep -qx 'package/dist/models/synic.js.map' <<<"$listing" || fail "the tarball lacks dist/'s source maps"
echo "package check: $(wc -l <<<"$listing") files in $(basename "$tarball")"

project="$work/project"
cp -r "$repo/test/package/project" "$project"
cd "$project"
echo '{ "name": "scratch", "private": true, "type": "module" }' > package.json
npm install --silent --no-audit --no-fund --prefer-offline -D "$tarball" "xstate@$(version xstate)" "typescript@$(version typescript)" "vitest@$(version vitest)"

copies="$(find node_modules -path '*/xstate/package.json' | wc -l)"
[ "$copies" -eq 1 ] || fail "$copies copies of xstate installed"
[ ! -e node_modules/@types/node ] || fail "@types/node was installed, so the type check would not show a need for it"

for resolution in node16 nodenext bundler; do
  npx tsc -p "tsconfig.$resolution.json" || fail "tsc --noEmit under $resolution resolution reported errors"
done
echo "package check: strict tsc --noEmit clean under node16, nodenext and bundler resolution"

# The typed vocabulary through the package's .d.ts: the misspelt cell is a type error, and the only one.
set +e
npx tsc -p tsconfig.typeErrors.json > type-errors.txt; code=$?
set -e
[ "$code" -ne 0 ] || fail "tsc accepted the misspelt cell in typeErrors/misspeltCell.ts"
grep -q "^typeErrors/misspeltCell.ts(12,.*error TS2345: Argument of type '\"cuont\"' is not assignable" type-errors.txt \
  || { cat type-errors.txt; fail "tsc did not report the misspelt cell 'cuont'"; }
[ "$(grep -c 'error TS' type-errors.txt)" -eq 1 ] || { cat type-errors.txt; fail "tsc reported more than the misspelt cell"; }
echo "package check: a misspelt cell in a typed model is a type error"

set +e
./node_modules/.bin/vmbus-check check models/racyCounter.ts --quiet > check.txt; code=$?
set -e
[ "$code" -eq 0 ] || { cat check.txt; fail "check of the user's scenario exited $code, not 0"; }
grep -Eq '^counter +racy +violated +violated' check.txt || fail "the user's racy variant was not found violated"
[ "$(./node_modules/.bin/vmbus-check --version)" = "$(node -p "require('$repo/package.json').version")" ] || fail "--version does not print the package's version"
./node_modules/.bin/vmbus-check check models/racyCounter.ts --format sarif --quiet > sarif.json || fail "check --format sarif exited $?"
node -e "const s = JSON.parse(require('fs').readFileSync('sarif.json', 'utf8')); if (s.runs[0].tool.driver.version !== require('$repo/package.json').version) process.exit(1)" || fail "the SARIF report does not name the package's version"
./node_modules/.bin/vmbus-check list > list.txt
grep -q '^shutdown-ic-boot: ' list.txt || fail "list does not name the built-in scenarios"

# The config-file run: vmbus-check.config.ts names a glob of the user's models, one with --param's
# equivalent (vcpus: 3), and a built-in's buggy variant; JUnit and SARIF to files, text to stdout.
set +e
./node_modules/.bin/vmbus-check --quiet > config-run.txt; code=$?
set -e
[ "$code" -eq 0 ] || { cat config-run.txt; fail "the config-file run exited $code, not 0"; }
grep -q '^5 checks: every verdict as expected$' config-run.txt || { cat config-run.txt; fail "the config-file run did not check its five variants"; }
grep -Eq '^kick +racy +violated +violated' config-run.txt || fail "the config-file run did not find the kick race"
grep -q '"vcpus": 3' reports/traces/kick.racy.trace.json || fail "the trace does not record the config's vcpus=3"
[ "$(grep -c '<testcase ' reports/junit.xml)" -eq 5 ] || fail "the config's JUnit report does not hold five test cases"
if command -v xmllint > /dev/null; then
  xmllint --noout --schema "$repo/test/fixtures/junit-10.xsd" reports/junit.xml 2> /dev/null || fail "the config's JUnit report does not validate against the xunit schema"
fi
# The built-in's counterexample as a SARIF code flow: its steps at the shipped models/*.ts sources, at
# lines that define the states taken (not at dist/*.js, nor at no file).
node "$repo/test/package/sarifCodeFlow.mjs" reports/vmbus-check.sarif || fail "the SARIF code flow of a built-in does not point at the shipped model sources"
echo "package check: config-file run of several models, JUnit and SARIF code flows as expected"

npx vitest run --reporter=dot || fail "the user's vitest test with the matchers failed"

for i in 1 2 3; do
  /usr/bin/time -f 'package check: vmbus-check list took %U+%S CPU-seconds (user+sys)' ./node_modules/.bin/vmbus-check list > /dev/null
done
echo "package check: passed"
