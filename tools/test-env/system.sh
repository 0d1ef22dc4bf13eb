# Debian packages the tests start or drive: a JDK 17+, mosquitto (MQTT tests), Chromium and its
# driver (the dashboard's browser test). Installed only when missing; without root, one line names
# the exact command and the setup stops before any test runs.
need=()
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root=(sudo -n)
    else
      echo "test setup: missing packages; install them first: sudo apt-get install -y ${need[*]}" >&2
      exit 1
    fi
  else
    as_root=()
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "test setup: missing ${need[*]}; this is not a Debian/Ubuntu machine, install them with your package manager" >&2
    exit 1
  fi
  echo "test setup: installing ${need[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The mosquitto package may start a system broker on port 1883; tests start their own on free
# ports, so stop it to keep the machine quiet.
if command -v service >/dev/null 2>&1; then service mosquitto stop >/dev/null 2>&1 || true; fi
