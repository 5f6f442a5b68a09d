#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
#   Python @PYTHON_VERSION@ (from a pinned Miniforge) in /opt/cnngrade/env, readable by everyone:
#     the sandboxed notebook runs on it;
#   exactly the packages of requirements.txt, each pinned, no dependency resolved on the way;
#   cnngrade (the grader, the hidden checks, the reference) from the bundled wheel, by its path, into
#     /autograder/source/lib: /autograder/source is root's alone;
#   bubblewrap, used where the container allows user namespaces, and the unprivileged user
#     cnngrade-student that the notebook runs as where it does not.
set -euo pipefail
MINIFORGE_VERSION=25.3.1-0
PREFIX=/opt/cnngrade
SOURCE=/autograder/source

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends wget ca-certificates bubblewrap

wget -nv -O /tmp/miniforge.sh \
    "https://github.com/conda-forge/miniforge/releases/download/${MINIFORGE_VERSION}/Miniforge3-${MINIFORGE_VERSION}-Linux-$(uname -m).sh"
bash /tmp/miniforge.sh -b -p "$PREFIX/conda"
rm /tmp/miniforge.sh
"$PREFIX/conda/bin/conda" create -y -q -p "$PREFIX/env" "python=@PYTHON_VERSION@" pip
"$PREFIX/env/bin/python" -m pip install --no-cache-dir --no-deps --only-binary=:all: -r "$SOURCE/requirements.txt"
"$PREFIX/env/bin/python" -m pip install --no-cache-dir --no-deps --no-index --target "$SOURCE/lib" "$SOURCE/@WHEEL@"
chmod -R a+rX "$PREFIX"

id -u cnngrade-student >/dev/null 2>&1 || \
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cnngrade-student
chown -R root:root "$SOURCE"
chmod 700 "$SOURCE"
