#!/usr/bin/env bash
# fuzz/run.sh TARGET [SECONDS]: fuzzes one target (tar, dockerfile, manifest, create) under AFL++ through
# SharpFuzz, from the corpus in fuzz/corpus/TARGET, for SECONDS (default 600). Findings go to out/fuzz/findings/TARGET.
# Needs Debian's afl++ and the SharpFuzz.CommandLine dotnet tool (see fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh tar|dockerfile|manifest|create [SECONDS]}
seconds=${2:-600}
out=$PWD/out/fuzz
bin=$out/bin
export PATH="$PATH:$HOME/.dotnet/tools"

# One instrumented publish serves every target; flock keeps two runs started together from racing on it.
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [ ! -f "$bin/.instrumented" ]; then
    rm -rf "$bin"
    dotnet publish fuzz/Berth.Fuzz -c Release -o "$bin" --nologo -v:q -clp:NoSummary
    # The assemblies whose code meets the untrusted bytes (the JSON source generation lives in Oci and Api.Docker).
    for dll in Berth.Common Berth.Oci Berth.Images Berth.Engine Berth.Build Berth.Api.Docker; do
        sharpfuzz "$bin/$dll.dll"
    done
    touch "$bin/.instrumented"
fi
flock -u 9

mkdir -p "$out/findings" "$out/tmp/$target"
# dotnet itself is not instrumented (SharpFuzz reports coverage from the managed code), hence the bin check is off.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export TMPDIR=$out/tmp/$target
# Resume a run that stopped (AFL_AUTORESUME): its queue is kept in the findings directory.
export AFL_AUTORESUME=1
exec afl-fuzz -V "$seconds" -i "fuzz/corpus/$target" -o "$out/findings/$target" -t 5000 -m none \
    -- "$(readlink -f "$(command -v dotnet)")" "$bin/Berth.Fuzz.dll" "$target" </dev/null
