# The real Python minibatch 0.6.0 (the interop tests' and the bench's peer) and the real omega|ml
# 0.18.0 (minibatch-omegaml's peer) in one virtual environment: $MINIBATCH_TEST_HOME/python-venv.
# Versions are pinned to what works against mongo-java-server 1.47, which reports wire version 8
# (MongoDB 4.2): pymongo 4.14 and later refuse it ("requires at least 9"), 4.13.2 works. omega|ml
# 0.18.0 alone would take pymongo 4.20; installed together with the pins below it resolves with
# pymongo 4.13.2, minibatch 0.6.0 and mongoengine 0.29.3 (checked 2026-12-06; numpy follows pandas). The tests find the interpreter at
# $MINIBATCH_TEST_HOME/python-venv/bin/python or through MINIBATCH_TEST_PYTHON.
python_peer_pins=(minibatch==0.6.0 pymongo==4.13.2 mongoengine==0.29.3 dill==0.4.1 dnspython==2.9.2 omegaml==0.18.0 pandas==2.3.3)
python_peer_venv="$MINIBATCH_TEST_HOME/python-venv"
python_peer_stamp="$python_peer_venv/.minibatch-pins"

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test setup: installing python3-venv"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
  else
    echo "test setup: Python 3 with its venv module is missing; install it first: sudo apt-get install -y python3 python3-venv" >&2
    exit 1
  fi
fi

if [ ! -x "$python_peer_venv/bin/python" ]; then
  rm -rf "$python_peer_venv"
  python3 -m venv "$python_peer_venv"
fi
if [ "$(cat "$python_peer_stamp" 2>/dev/null)" != "${python_peer_pins[*]}" ]; then
  # into the existing venv (pip moves what the pins change), so tests running on it meanwhile keep an interpreter
  echo "test setup: Python peer (${python_peer_pins[*]}) in $python_peer_venv"
  "$python_peer_venv/bin/pip" install -q --disable-pip-version-check "${python_peer_pins[@]}"
  echo "${python_peer_pins[*]}" > "$python_peer_stamp"
fi
"$python_peer_venv/bin/python" -c 'import minibatch, pymongo, mongoengine, dill, omegaml, pandas; from minibatch.tests.util import LocalExecutor; assert omegaml.version == "0.18.0"' \
  || { echo "test setup: the Python peer in $python_peer_venv is broken; delete that folder and run tools/test-env/setup again" >&2; exit 1; }
