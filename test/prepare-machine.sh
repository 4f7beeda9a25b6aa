#!/usr/bin/env bash
# What the test suite needs beyond `npm ci`, checked (and installed where it can be) before any test
# runs, so a fresh machine fails here with what to do instead of in a test. `npm test` runs it first.
# The Debian packages, which npm cannot install:
#   mosquitto, mosquitto-clients  a real MQTT broker and clients for the interop tests
#   socat                         the pseudo-terminal the hardware-in-the-loop suite attaches the simulated board to
#   chromium                      the browser the report page's test opens the page in (through playwright-core)
#   python3                       runs the cloud's Python (Glue helpers, data preparation, calibration) in the tests
#   python3-venv                  the virtual environment (.venv/) the pinned Python packages are installed into
# and, with pip into .venv/, the Python packages of cloud/requirements-test.txt (Spark, boto3, moto with its server
# mode for the AWS SDK calls of the host tools, cfn-lint, pytest),
# so no Python test is skipped for a package that is missing.
set -euo pipefail

packages=(mosquitto mosquitto-clients socat chromium python3)
commands=(mosquitto mosquitto_pub socat chromium python3)

missing=()
for i in "${!commands[@]}"; do
  command -v "${commands[$i]}" >/dev/null 2>&1 || missing+=("${packages[$i]}")
done
# Debian's python3 makes virtual environments only with python3-venv (no command to look for: its module).
if command -v python3 >/dev/null 2>&1 && ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
  install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
  if [ "$(id -u)" -ne 0 ]; then
    echo "test: missing Debian packages: ${missing[*]}" >&2
    echo "test: as root, run:  apt-get update && ${install[*]}" >&2
    exit 1
  fi

  echo "test: installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${install[@]}" >/dev/null
  for i in "${!commands[@]}"; do
    if ! command -v "${commands[$i]}" >/dev/null 2>&1; then
      echo "test: ${packages[$i]} was installed but ${commands[$i]} is still not on PATH" >&2
      exit 1
    fi
  done
fi

# The pinned Python packages, in a virtual environment of this checkout: pip leaves the system's Python
# alone, and a rerun with every pin satisfied costs a second. Spark needs a Java runtime.
if ! command -v java >/dev/null 2>&1; then
  echo "test: Spark (pyspark, for the Glue job's tests) needs a Java runtime: as root, run:  apt-get install -y openjdk-17-jre-headless" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "test: creating .venv/ for the cloud's Python tests" >&2
  python3 -m venv .venv
fi
if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -r cloud/requirements-test.txt; then
  echo "test: pip could not install cloud/requirements-test.txt into .venv/ (is PyPI reachable?)" >&2
  exit 1
fi

# @agoric/xsnap compiles the XS engine with gcc in its install script; the XS tests need the result.
worker=node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker
if [ ! -x "$worker" ]; then
  echo "test: $worker was not built by npm ci (is gcc installed, and did npm run install scripts?)" >&2
  exit 1
fi
