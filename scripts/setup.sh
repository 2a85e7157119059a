#!/usr/bin/env bash
# Installs every Debian 12 package ZeroRL needs (idempotent: quick when all are installed).
# Run as root on a fresh machine; scripts/run.sh and scripts/test.sh call it.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config python3
  libtorch-dev libgloo-dev libopenblas0-pthread     # LibTorch 1.13 CPU with c10d/Gloo; fast BLAS
  libyaml-cpp-dev libeigen3-dev libboost-program-options-dev nlohmann-json3-dev
  libgtest-dev googletest
  libpcre2-dev libutf8proc-dev                       # tokenizer: Unicode regex, NFC
  libginac-dev                                       # answer equivalence (computer algebra)
  python3-matplotlib                                 # plots in run_dir/plots
  clang libclang-rt-14-dev                           # libFuzzer and sanitizers
  slurmctld slurmd slurm-client munge                # the single-node Slurm cluster of the tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
