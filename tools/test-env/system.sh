# Debian packages the tests start or drive. Sourced by tools/test-env/setup. Each one is installed
# only when missing (so a second run only checks), with one line saying what and why. Without root
# (and no password-less sudo), or on a system without apt-get, one line names the exact command and
# the setup stops before any test runs.

# package | how to tell it is there | why the tests need it
system_packages=(
  "openjdk-17-jdk-headless|command -v javac || [ -x \"\${JAVA_HOME:-/nonexistent}/bin/javac\" ]|the JDK that builds and runs everything"
  "mosquitto|[ -x /usr/sbin/mosquitto ]|the MQTT tests and the distribution test start it as a real MQTT broker"
  "chromium|[ -x /usr/bin/chromium ]|the dashboard's browser test drives it headless"
  "chromium-driver|[ -x /usr/bin/chromedriver ]|the WebDriver that test drives Chromium with"
)

system_missing=()
system_why=()
for entry in "${system_packages[@]}"; do
  IFS='|' read -r package check why <<<"$entry"
  if ! eval "$check" >/dev/null 2>&1; then
    system_missing+=("$package")
    system_why+=("$why")
  fi
done

if [ ${#system_missing[@]} -gt 0 ]; then
  install_command="sudo apt-get install -y ${system_missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "test setup: missing ${system_missing[*]} and this is not Debian/Ubuntu (no apt-get); install them with your package manager (on Debian: $install_command), then run ./run-tests again" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "test setup: missing packages; install them first: $install_command" >&2
    exit 1
  fi
  for i in "${!system_missing[@]}"; do
    echo "test setup: installing ${system_missing[$i]} (${system_why[$i]})"
  done
  apt_log="$(mktemp "${TMPDIR:-/tmp}/minibatch-apt.XXXXXX")"
  if ! { "${as_root[@]}" apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
           "${system_missing[@]}"; } >"$apt_log" 2>&1; then
    cat "$apt_log" >&2
    rm -f "$apt_log"
    echo "test setup: installing ${system_missing[*]} failed (apt-get output above); try: $install_command" >&2
    exit 1
  fi
  rm -f "$apt_log"
  # the mosquitto package may start a system broker on port 1883; the tests start their own on
  # free ports, so stop it to keep the machine quiet
  if [[ " ${system_missing[*]} " == *" mosquitto "* ]] && command -v service >/dev/null 2>&1; then
    "${as_root[@]}" service mosquitto stop >/dev/null 2>&1 || true
  fi
fi
unset system_packages system_missing system_why entry package check why install_command as_root apt_log i
