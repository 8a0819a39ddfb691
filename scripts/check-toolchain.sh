#!/bin/bash
# The build needs the .NET 10 SDK (not a Debian package: it must already be on the machine) and, for NativeAOT,
# a C toolchain and zlib headers (Debian packages; installed by scripts/install-deps.sh).
set -eu
if ! command -v dotnet >/dev/null; then
  echo "error: the .NET 10 SDK (dotnet) is not on PATH; Berth builds with it" >&2
  exit 1
fi
if ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "error: Berth needs a .NET 10 SDK; found: $(dotnet --list-sdks | tr '\n' ' ')" >&2
  exit 1
fi
if ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
  echo "error: NativeAOT needs clang or gcc: run 'make deps'" >&2
  exit 1
fi
if ! command -v musl-gcc >/dev/null; then
  echo "error: berth-init (the --init process) is built with musl-gcc: run 'make deps'" >&2
  exit 1
fi
