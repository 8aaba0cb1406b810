#!/usr/bin/env bash
# Compiles everything a first `go tool mage all` needs, so that it takes
# seconds: the `go tool mage` launcher, Mage, the targets (magefile.go with
# workflow/ and the AWS SDK), the emulator into .apidriven/bin/awsemu and the
# function into .apidriven/build/function.zip, with the very commands and
# flags `all` uses (it runs them: `go tool mage install build`). Nothing is
# started or deployed.
#
# The dev container runs it once, when the Codespace is created
# (postCreateCommand in .devcontainer/devcontainer.json); run it yourself on
# a fresh machine. scripts/first-run.sh measures what it saves.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> go mod download"
go mod download
echo "==> go tool mage install build (compiles the launcher, Mage, the targets, the emulator and the function;"
echo "    on a fresh machine Go first compiles its runtime: the next line can take a minute)"
go tool mage install build
echo "==> ready: \`go tool mage all\` now starts in seconds"
