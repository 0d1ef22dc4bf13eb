# FerretDB v1.24.2, the second MongoDB-protocol server (real indexes, SQLite backend), built from the
# Go module proxy into $MINIBATCH_TEST_HOME/ferretdb/bin/ferretdb. The tests find it there or through
# MINIBATCH_TEST_FERRETDB.
# Why not plain `go install …/cmd/ferretdb@v1.24.2`: it builds, but the binary panics at start
# ("Invalid build/version/version.txt file content"): the module zip carries an empty version.txt,
# which FerretDB's own build (bin/task gen-version) fills from git. So: download the module, copy it,
# write version.txt, `go build` the copy. Needs Go 1.21+ (go.mod asks for 1.24; a 1.21+ go fetches
# that toolchain from the proxy by itself). Debian 12's golang-go (1.19) is too old.
ferretdb_version=v1.24.2
ferretdb_home="$MINIBATCH_TEST_HOME/ferretdb"
ferretdb_bin="$ferretdb_home/bin/ferretdb"

if [ -x "$ferretdb_bin" ] && "$ferretdb_bin" --version 2>/dev/null | grep -qx "version: $ferretdb_version"; then
  : # already built
else
  ferretdb_go="$(command -v go || true)"
  [ -n "$ferretdb_go" ] || { [ -x /usr/local/go/bin/go ] && ferretdb_go=/usr/local/go/bin/go; }
  if [ -z "$ferretdb_go" ] || ! "$ferretdb_go" version | grep -Eq 'go1\.(2[1-9]|[3-9][0-9])'; then
    echo "test setup: FerretDB needs Go 1.21 or later to build; install it first: https://go.dev/dl/ (e.g. tar -C /usr/local -xzf go1.24.*.linux-amd64.tar.gz; Debian 12's golang-go is 1.19, too old)" >&2
    exit 1
  fi
  echo "test setup: building FerretDB $ferretdb_version with $("$ferretdb_go" version) into $ferretdb_bin"
  (
    export GOPATH="$ferretdb_home/gopath" GOCACHE="$ferretdb_home/gocache" GOFLAGS=-modcacherw GOTOOLCHAIN=auto
    module_dir="$("$ferretdb_go" mod download -json "github.com/FerretDB/FerretDB@$ferretdb_version" \
      | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [ -d "$module_dir" ] || { echo "test setup: go mod download of FerretDB $ferretdb_version failed" >&2; exit 1; }
    rm -rf "$ferretdb_home/src"
    cp -r "$module_dir" "$ferretdb_home/src"
    chmod -R u+w "$ferretdb_home/src"
    echo "$ferretdb_version" > "$ferretdb_home/src/build/version/version.txt"
    mkdir -p "$ferretdb_home/bin"
    cd "$ferretdb_home/src" && "$ferretdb_go" build -o "$ferretdb_bin" ./cmd/ferretdb
  )
  "$ferretdb_bin" --version | grep -qx "version: $ferretdb_version" \
    || { echo "test setup: the FerretDB build in $ferretdb_bin does not run; delete $ferretdb_home and run tools/test-env/setup again" >&2; exit 1; }
fi
